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
    /// The coordinated-omission demonstration: the same 200 ms service-wide stall, the same 2 s window. Open loop
    /// keeps sending on schedule, so every call due during the stall waits for it and ~2.5 % of calls take
    /// ≥ 150 ms: the p99 shows the stall. Closed loop callers are simply stuck once each, send fewer calls, and the
    /// stall hides in a handful of samples: the p99 stays far below it although the max shows it happened.
    /// </summary>
    [Fact]
    public async Task Stall_OpenLoopP99ShowsIt_ClosedLoopP99HidesIt()
    {
        var stall = new FaultProfile(0, 0, 503, StallMs: 200, StallAfterMs: 700);
        var window = TimeSpan.FromSeconds(2);

        var open = await RunInProcessAsync(stall, new LoadRunOptions { Rate = 500, Duration = window, Warmup = TimeSpan.FromMilliseconds(300) }, workers: 64);
        var closed = await RunInProcessAsync(stall, new LoadRunOptions { Concurrency = 4, Duration = window, Warmup = TimeSpan.FromMilliseconds(300) }, workers: 4);

        Assert.Equal(0, open.Errors);
        Assert.Equal(0, closed.Errors);
        Assert.True(open.PercentileMicros(99) >= 150_000, $"open-loop p99 {open.PercentileMicros(99)} µs should show the 200 ms stall");
        Assert.True(closed.MaxMicros >= 150_000, $"closed-loop max {closed.MaxMicros} µs: the stall happened to it too");
        Assert.True(closed.PercentileMicros(99) < 100_000, $"closed-loop p99 {closed.PercentileMicros(99)} µs should hide the stall");
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
        Assert.InRange(json.RootElement.GetProperty("sent").GetInt64(), 95, 105);
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
