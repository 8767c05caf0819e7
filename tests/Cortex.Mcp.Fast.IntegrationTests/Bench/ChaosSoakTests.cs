using Cortex.Mcp.Fast.Bench.Load;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Bench;

/// <summary>The 60-second chaos soak that runs in CI: every invariant of <see cref="ChaosSoak"/> must hold.</summary>
/// <remarks>
/// Its own collection without parallelisation: RSS, thread counts and unobserved task exceptions are process-wide,
/// so other tests running beside it would be blamed on it (and it would starve them of the 2 cores). 300 calls/s
/// keeps the CPU moderate. It ends by itself: a 60 s window, a drain bounded by 3 × the 5 s deadline, a settle
/// bounded by 30 s, and the test's own 4-minute bound.
/// </remarks>
[Collection(ChaosSoakGroup.Name)]
public sealed class ChaosSoakTests : IDisposable
{
    private readonly string _outDir = Path.Combine(Path.GetTempPath(), "cortex-chaos-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_outDir))
        {
            Directory.Delete(_outDir, recursive: true);
        }
    }

    [Fact]
    public async Task Soak60s_EveryInvariantHolds()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var settings = new ChaosSoakSettings
        {
            Rate = 300,
            Duration = TimeSpan.FromSeconds(60),
            Warmup = TimeSpan.FromSeconds(5),
            OutputDirectory = _outDir,
        };

        var exit = await LoadCommand.RunChaosAsync(settings, bound.Token);

        var json = Assert.Single(Directory.GetFiles(_outDir, "*-chaos.json"));
        var report = File.ReadAllText(json);
        Assert.True(exit == LoadCommand.ExitPassed, "chaos soak failed:\n" + File.ReadAllText(Path.ChangeExtension(json, ".md")));
        using var document = System.Text.Json.JsonDocument.Parse(report);
        var root = document.RootElement;
        Assert.True(root.GetProperty("passed").GetBoolean());
        var invariants = root.GetProperty("invariants").EnumerateObject().ToList();
        Assert.Equal(9, invariants.Count);
        Assert.All(invariants, i => Assert.True(i.Value.GetProperty("passed").GetBoolean(), i.Name + ": " + i.Value.GetProperty("detail").GetString()));

        // The soak was not a quiet run: faults happened and the client met them.
        Assert.True(root.GetProperty("issued").GetInt64() >= 300 * 64, "the open loop must have sent its schedule");
        Assert.True(root.GetProperty("typed_errors").GetInt64() > 0, "faults should surface as some typed errors");
        Assert.True(root.GetProperty("client_retries").GetInt64() > 0, "faults should cause retries");
        Assert.True(root.GetProperty("session_initializations").GetInt64() > 1, "session loss should force re-initialisation");

        // Endpoint swaps moved the service to the second instance and back while load ran: both served calls.
        var swaps = root.GetProperty("endpoint_swaps").GetInt32();
        Assert.True(swaps >= 2 && swaps % 2 == 0, "swap episodes move the service away and back: " + swaps);
        var secondary = root.GetProperty("secondary_executions").GetInt64();
        Assert.InRange(secondary, 1, root.GetProperty("executions").GetInt64() - 1);
    }

    /// <summary>The service-side count the soak's "at most once" invariant rests on: a call that runs twice is seen
    /// twice, a call refused by an injected failure is not an execution.</summary>
    [Fact]
    public async Task ExecutionLedger_CountsRunsPerExecId_NotRefusedAttempts()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var service = await TestMcpService.StartAsync(cancellationToken: bound.Token);
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("s", service.McpAddress, bound.Token);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        options.DefaultServiceOptions.Retry = RetryOptions.NoRetry;
        await using var client = new NetworkMcpClient(options);
        await client.ConnectAsync("s", bound.Token);

        (await client.CallToolAsync("s", "echo", """{"execId":7}"""u8.ToArray(), null, bound.Token)).Dispose();
        (await client.CallToolAsync("s", "echo", """{"execId":7}"""u8.ToArray(), ToolCallOptions.NonIdempotent, bound.Token)).Dispose();
        service.Faults.FailNext("echo", 1, 503);
        await Assert.ThrowsAnyAsync<ServiceCallException>(async () =>
            (await client.CallToolAsync("s", "echo", """{"execId":8}"""u8.ToArray(), null, bound.Token)).Dispose());

        var ledger = service.Counters.Executions;
        Assert.Equal(2, ledger.ExecutionsOf(7));
        Assert.Equal(0, ledger.ExecutionsOf(8));
        Assert.Equal(1, ledger.Duplicates);
        Assert.Equal(2, ledger.Executions);
        Assert.Equal(7, ledger.HighestId);
        Assert.Equal(3, service.Counters.ToolRequests("echo"));
    }
}

/// <summary>Runs <see cref="ChaosSoakTests"/> alone (process-wide measurements).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChaosSoakGroup
{
    public const string Name = "Chaos soak";
}
