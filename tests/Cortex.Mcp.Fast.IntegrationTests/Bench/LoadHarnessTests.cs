using System.CommandLine;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Bench.Load;
using Cortex.Mcp.Fast.Testing;
using HdrHistogram;

namespace Cortex.Mcp.Fast.IntegrationTests.Bench;

/// <summary>The load harness against the real test service: coordinated omission, gating, outputs, secrets.</summary>
public sealed class LoadHarnessTests : IDisposable
{
    private readonly string _outDir = Path.Combine(Path.GetTempPath(), "cortex-load-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_outDir))
        {
            Directory.Delete(_outDir, recursive: true);
        }
    }

    /// <summary>
    /// The coordinated-omission demonstration against the real service: the same 200 ms service-wide stall, the same
    /// 2 s window. Open loop keeps sending on schedule, so every call due during the stall waits for it and ~2.5 % of
    /// calls take ≥ 150 ms: the p99 shows the stall. Closed loop callers are simply stuck once each: the stall shows
    /// only in their max.
    /// </summary>
    /// <remarks>
    /// Only bounds that a slow machine cannot break are asserted. No call is sent before its time and the gate, once
    /// closed, holds every arriving call for 200 ms, so the 25 calls due in its first 50 ms wait ≥ 150 ms however
    /// busy the machine is (load only adds latency; a gate that closes late moves those calls but keeps them in the
    /// window unless it is over a second late). A closed-loop caller that sends in the gate's first 100 ms waits
    /// ≥ 100 ms; with four callers that fails only if every call took over 100 ms. That the closed-loop p99 hides the
    /// stall depends on the machine completing ≥ 100 calls per caller in the window; that claim is pinned exactly on
    /// a fake clock in <see cref="LoadEngineTests"/>.
    /// </remarks>
    [Fact]
    public async Task Stall_OpenLoopP99ShowsIt_ClosedLoopMaxShowsIt()
    {
        var stall = new FaultProfile(0, 0, 503, StallMs: 200, StallAfterMs: 700);
        var window = TimeSpan.FromSeconds(2);

        var open = await RunInProcessAsync(stall, new LoadRunOptions { Rate = 500, Duration = window, Warmup = TimeSpan.FromMilliseconds(300) }, workers: 64);
        var closed = await RunInProcessAsync(stall, new LoadRunOptions { Concurrency = 4, Duration = window, Warmup = TimeSpan.FromMilliseconds(300) }, workers: 4);

        Assert.Equal(0, open.Errors);
        Assert.Equal(0, closed.Errors);
        Assert.Equal(1000, open.Sent); // rate x window, whatever the machine's speed
        Assert.True(open.PercentileMicros(99) >= 150_000, $"open-loop p99 {open.PercentileMicros(99)} µs should show the 200 ms stall");
        Assert.True(closed.MaxMicros >= 100_000, $"closed-loop max {closed.MaxMicros} µs: the stall happened to it too");
    }

    [Fact]
    public async Task Command_ErrorRateOne_ExitsNonZeroAndWritesAllOutputs()
    {
        var exit = await InvokeAsync("--in-process", "--error-rate", "1", "--rate", "100", "--duration", "1s", "--warmup", "0",
            "--max-error-rate", "0.1", "--out", _outDir);

        Assert.Equal(LoadCommand.ExitGateFailed, exit);
        var files = Outputs();
        using var json = JsonDocument.Parse(File.ReadAllText(files.Json));
        Assert.Equal(LoadReport.JsonKeys, json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["cores", "os", "dotnet", "date"], json.RootElement.GetProperty("machine").EnumerateObject().Select(p => p.Name));
        Assert.Equal(1.0, json.RootElement.GetProperty("error_rate").GetDouble());
        Assert.False(json.RootElement.GetProperty("passed").GetBoolean());
        Assert.Equal("open", json.RootElement.GetProperty("mode").GetString());
        Assert.Equal(100, json.RootElement.GetProperty("scheduled").GetInt64()); // 100/s x 1 s: set by the schedule, not the clock
        Assert.Equal(100, json.RootElement.GetProperty("sent").GetInt64());
        Assert.Contains("**failed**", File.ReadAllText(files.Markdown), StringComparison.Ordinal);
        Assert.StartsWith("<svg", File.ReadAllText(files.Svg), StringComparison.Ordinal);
        Assert.NotEmpty(ReadLog(files.Log));
    }

    [Fact]
    public async Task Command_TokenFromEnvironment_IsSentButNeverWritten()
    {
        const string Secret = "s3cr3t-load-token-7f1c2a";
        var variable = "CORTEX_LOAD_TEST_TOKEN_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, Secret);
        try
        {
            await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { RequiredBearerToken = Secret });

            var exit = await InvokeAsync("--target", service.BaseAddress.AbsoluteUri, "--token-env", variable, "--rate", "100",
                "--duration", "1s", "--warmup", "0", "--max-error-rate", "0", "--max-p99", "5s", "--out", _outDir);

            Assert.Equal(LoadCommand.ExitPassed, exit); // every call was authorised: the token went out
            var files = Outputs();
            foreach (var path in new[] { files.Markdown, files.Json, files.Log, files.Svg })
            {
                Assert.DoesNotContain(Secret, File.ReadAllText(path), StringComparison.Ordinal);
                Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(Secret)), File.ReadAllText(path), StringComparison.Ordinal);
            }

            using var json = JsonDocument.Parse(File.ReadAllText(files.Json));
            Assert.True(json.RootElement.GetProperty("passed").GetBoolean());
            var completed = json.RootElement.GetProperty("completed").GetInt64();
            Assert.True(completed >= 95, $"completed {completed}");
            Assert.Equal(completed, ReadLog(files.Log).Sum(h => h.TotalCount)); // the interval log holds every latency
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("--rate", "10", "--concurrency", "2")]
    [InlineData("--target", "http://127.0.0.1:1/", "--error-rate", "0.5")]
    public async Task Command_ConflictingOptions_FailToParse(params string[] args)
    {
        Assert.NotEqual(0, await InvokeAsync([.. args, "--out", _outDir]));
        Assert.False(Directory.Exists(_outDir));
    }

    [Fact]
    public async Task Command_MissingTokenVariable_ExitsWithSetupFailure()
    {
        var exit = await InvokeAsync("--in-process", "--token-env", "CORTEX_LOAD_TEST_UNSET_" + Guid.NewGuid().ToString("N"), "--out", _outDir);

        Assert.Equal(LoadCommand.ExitSetupFailed, exit);
    }

    private static async Task<LoadResult> RunInProcessAsync(FaultProfile fault, LoadRunOptions options, int workers)
    {
        var target = await LoadTarget.CreateAsync(new LoadTargetSettings
        {
            InProcess = true,
            Fault = fault,
            Workers = workers,
            ArgumentsUtf8 = """{"text":"hi"}"""u8.ToArray(),

            // The stall must reach every call's latency: a shedding queue would refuse the calls caught in it instead.
            QueueMode = QueueFullMode.Wait,
        }, CancellationToken.None);
        await using (target)
        {
            var runner = new LoadRunner(target.CallAsync, options) { MeasurementStarting = target.OnMeasurementStarting };
            return await runner.RunAsync(CancellationToken.None);
        }
    }

    private static Task<int> InvokeAsync(params string[] args)
        => new RootCommand { LoadCommand.Create() }.Parse(["load", .. args]).InvokeAsync();

    private (string Markdown, string Json, string Log, string Svg) Outputs()
    {
        var json = Assert.Single(Directory.GetFiles(_outDir, "*-load.json"));
        var stem = json[..^".json".Length];
        foreach (var extension in new[] { ".md", ".hlog", ".svg" })
        {
            Assert.True(File.Exists(stem + extension), stem + extension);
        }

        Assert.Matches(@"^\d{8}-\d{6}-load$", Path.GetFileName(stem));
        return (stem + ".md", json, stem + ".hlog", stem + ".svg");
    }

    private static List<HistogramBase> ReadLog(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new HistogramLogReader(stream);
        return [.. reader.ReadHistograms()];
    }
}
