using System.Text.Json;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>Each usage pattern of the seed document, over real sockets against the loopback test service.</summary>
public sealed class SeedUsageTests
{
    [Fact]
    public async Task BasicUsage_ConnectCallStreamClose_Works()
    {
        await using var h = await ClientHarness.StartAsync();
        await h.Client.ConnectAsync("svc", h.Timeout);

        using var sum = await h.Within(h.Call("add", """{"a":2,"b":40}""").AsTask());
        using var echo = await h.Within(h.Call("echo", """{"text":"hello"}""").AsTask());
        var items = new List<JsonElement>();
        await foreach (var item in h.Client.GetResourceAsync("svc", "events/3", h.Timeout))
        {
            items.Add(item);
        }

        Assert.Equal(42, sum.Json.GetProperty("result").GetDouble());
        Assert.Equal("hello", echo.Json.GetProperty("echo").GetProperty("text").GetString());
        Assert.Equal([0, 1, 2], items.Select(i => i.GetProperty("index").GetInt32()));
        Assert.Equal(1, h.Service.Counters.ToolRequests("add"));
    }

    [Fact]
    public async Task ServiceIntegrationPattern_MemoryServiceClient_StoresAndReads()
    {
        await using var h = await ClientHarness.StartAsync();
        var memory = new MemoryServiceClient(h.Client);

        var stored = await memory.StoreInputAsync("user-1", "remember this", h.Timeout);

        Assert.Equal("remember this", stored.GetProperty("echo").GetProperty("content").GetString());
        Assert.Equal("user-1", stored.GetProperty("echo").GetProperty("user_id").GetString());
    }

    [Fact]
    public async Task Batch_MixedOutcomes_ReturnsResultsInCallOrderWithoutFailingTheBatch()
    {
        await using var h = await ClientHarness.StartAsync();
        BatchToolCall[] calls =
        [
            new("svc", "add", ClientHarness.Json("""{"a":1,"b":1}""")),
            new("svc", "fail", ClientHarness.Json("""{"status":400,"detail":"bad input"}""")),
            new("svc", "echo", ClientHarness.Json("""{"n":3}""")),
            new("nowhere", "echo"),
            new("svc", "../admin"),
        ];

        var results = await h.Within(h.Client.CallToolBatchAsync(calls, h.Timeout));

        Assert.Equal(5, results.Count);
        Assert.Equal(2, results[0].Result!.Json.GetProperty("result").GetDouble());
        Assert.Equal(400, results[1].Error!.StatusCode);
        Assert.Contains("bad input", results[1].Error!.Message, StringComparison.Ordinal);
        Assert.Equal(3, results[2].Result!.Json.GetProperty("echo").GetProperty("n").GetInt32());
        Assert.IsType<ServiceNotFoundException>(results[3].Error);
        Assert.IsType<InvalidToolNameException>(results[4].Error);
        Assert.Same(calls[2], results[2].Call);
        foreach (var result in results)
        {
            result.Dispose();
        }
    }

    [Fact]
    public async Task ErrorHandling_WithFallback_ReturnsFallbackOnTypedError()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Service.Faults.FailNext("echo", 1, 500);

        string answer;
        try
        {
            using var result = await h.Call("echo", options: new ToolCallOptions { MaxRetries = 0 });
            answer = "live";
        }
        catch (ServiceCallException ex) when (ex.Service == "svc" && ex.Tool == "echo")
        {
            answer = $"fallback after HTTP {ex.StatusCode}";
        }

        Assert.Equal("fallback after HTTP 500", answer);
    }

    [Fact]
    public async Task TimeoutConfiguration_SlowTool_FailsWithDeadlineTimeout()
    {
        await using var h = await ClientHarness.StartAsync(o => o.DefaultServiceOptions.CallTimeout = TimeSpan.FromMilliseconds(200));
        h.Service.Faults.Gate.Close();

        var ex = await h.FailureOf(h.Call("echo").AsTask());

        var timeout = Assert.IsType<CallTimeoutException>(ex);
        Assert.Equal(TimeoutLimit.CallDeadline, timeout.Limit);
        Assert.Equal("svc", timeout.Service);
        Assert.Equal("echo", timeout.Tool);
        h.Service.Faults.Gate.Release();
    }

    [Fact]
    public async Task RetryConfiguration_MaxRetriesZero_MakesOneAttempt()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Service.Faults.FailNext("echo", 5, 503);

        var ex = await h.FailureOf(h.Call("echo", options: new ToolCallOptions { MaxRetries = 0 }).AsTask());

        Assert.Equal(503, Assert.IsType<ServiceCallException>(ex).StatusCode);
        Assert.Equal(1, h.Service.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task RetryConfiguration_MaxRetriesTwoAgainstDeadEndpoint_MakesThreeAttempts()
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("dead", new Uri($"http://127.0.0.1:{DeadPort.Get()}/"));
        await using var client = new NetworkMcpClient(new NetworkMcpClientOptions { Discovery = discovery });

        var ex = await Record.ExceptionAsync(() => client.CallToolAsync("dead", "echo", options: new ToolCallOptions { MaxRetries = 2 }).AsTask().WaitAsync(ClientHarness.Bound));

        var typed = Assert.IsType<ServiceCallException>(ex);
        Assert.Equal(FailureKind.ConnectFailure, typed.FailureKind);
        Assert.True(typed.RequestNotSent);
        Assert.Equal(3, typed.Attempts);
    }

    [Fact]
    public async Task PerServiceBreakerConfiguration_OpensOnlyTheConfiguredService()
    {
        await using var h = await ClientHarness.StartAsync(o =>
            o.Services["fragile"] = new McpServiceOptions { CircuitBreaker = new CircuitBreakerOptions { FailureThreshold = 2 }, Retry = new RetryOptions { MaxRetries = 0 } });
        await h.Discovery.RegisterAsync("fragile", h.Service.BaseAddress);
        h.Service.Faults.FailNext("fail", 100, 500);
        var failing = ClientHarness.Json("""{"status":500}""");

        for (var i = 0; i < 2; i++)
        {
            await h.FailureOf(h.Client.CallToolAsync("fragile", "fail", failing).AsTask());
        }

        Assert.IsType<CircuitOpenException>(await h.FailureOf(h.Client.CallToolAsync("fragile", "fail", failing).AsTask()));
        Assert.Equal(2, h.Service.Counters.ToolRequests("fail"));
        using var healthy = await h.Within(h.Call("echo").AsTask());
        Assert.Equal(CircuitState.Open, h.Client.GetDiagnostics().Services["fragile"].CircuitState);
        Assert.Equal(CircuitState.Closed, h.Client.GetDiagnostics().Services["svc"].CircuitState);
    }

    [Fact]
    public async Task ResourceStreaming_InvalidItems_AreSkippedAndCounted()
    {
        await using var h = await ClientHarness.StartAsync();

        var items = new List<JsonElement>();
        await foreach (var item in h.Client.GetResourceAsync("svc", "invalid/9", h.Timeout))
        {
            items.Add(item);
        }

        var diagnostics = h.Client.GetDiagnostics().Services["svc"];
        Assert.Equal(9, items.Count + (int)diagnostics.InvalidStreamItems);
        Assert.True(diagnostics.InvalidStreamItems > 0);
    }

    [Fact]
    public async Task Lifecycle_ConnectPreOpensAndDisposeClosesConnections()
    {
        await using var h = await ClientHarness.StartAsync(o => o.DefaultServiceOptions.Http.MinConnections = 3);

        await h.Client.ConnectAsync("svc", h.Timeout);
        await h.Service.Counters.WaitForOpenConnectionsAsync(3, h.Timeout);
        Assert.Equal(3, h.Client.GetDiagnostics().Services["svc"].OpenConnections);

        await h.Client.DisposeAsync();
        await h.Client.DisposeAsync(); // idempotent

        await h.Service.Counters.WaitForOpenConnectionsAsync(0, h.Timeout);
        Assert.IsType<ClientDisposedException>(await h.FailureOf(h.Call("echo").AsTask()));
    }

    /// <summary>The seed's service-integration pattern: a typed wrapper over one service's tools.</summary>
    private sealed class MemoryServiceClient(NetworkMcpClient client)
    {
        public async Task<JsonElement> StoreInputAsync(string userId, string content, CancellationToken cancellationToken)
        {
            var args = ClientHarness.Json(JsonSerializer.Serialize(new Dictionary<string, string> { ["user_id"] = userId, ["content"] = content }));
            using var result = await client.CallToolAsync("svc", "echo", args, cancellationToken: cancellationToken);
            return result.Json.Clone();
        }
    }
}

/// <summary>A loopback port with nothing listening (bound, then released).</summary>
internal static class DeadPort
{
    public static int Get()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
