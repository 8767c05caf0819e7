using System.Text.Json;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>Network faults, retries, the breaker and cancellation over real sockets.</summary>
public abstract class FaultTests(HttpEngineKind engine)
{
    [Theory]
    [InlineData(503, 2)]
    [InlineData(502, 2)]
    [InlineData(429, 2)]
    [InlineData(500, 1)]
    [InlineData(400, 1)]
    [InlineData(404, 1)]
    [InlineData(409, 1)]
    public async Task Status_IsRetriedOnlyWhenTransient(int status, int expectedRequests)
    {
        await using var h = await ClientHarness.StartAsync(engine, o => o.DefaultServiceOptions.Retry = new RetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1) });
        h.Service.Faults.FailNext("echo", 1, status);

        var task = h.Call("echo").AsTask();
        try
        {
            using var result = await h.Within(task);
        }
        catch (ServiceCallException ex)
        {
            Assert.Equal(status, ex.StatusCode);
        }

        Assert.Equal(expectedRequests, h.Service.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task RetryAfter_IsHonouredOnFakeTime()
    {
        var time = new FakeTimeProvider();
        await using var h = await ClientHarness.StartAsync(engine, o => o.TimeProvider = time);
        h.Service.Faults.FailNext("echo", 1, 503, retryAfter: "3");

        var task = h.Call("echo").AsTask();
        await h.Service.Counters.WaitForRequestsAsync("echo", 1, h.Timeout);
        await WaitForRetriesAsync(h, 1);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(task.IsCompleted);
        Assert.Equal(1, h.Service.Counters.ToolRequests("echo"));

        time.Advance(TimeSpan.FromSeconds(1));
        using var result = await h.Within(task);
        Assert.Equal(2, h.Service.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task Breaker_OpenAfterFailures_ServerSeesNoRequestsUntilBreakEnds()
    {
        var time = new FakeTimeProvider();
        await using var h = await ClientHarness.StartAsync(engine, o =>
        {
            o.TimeProvider = time;
            o.DefaultServiceOptions.Retry = new RetryOptions { MaxRetries = 0 };
        });
        var failing = ClientHarness.Json("""{"status":503}""");
        for (var i = 0; i < 5; i++)
        {
            await h.FailureOf(h.Client.CallToolAsync("svc", "fail", failing).AsTask());
        }

        for (var i = 0; i < 20; i++)
        {
            Assert.IsType<CircuitOpenException>(await h.FailureOf(h.Call("echo").AsTask()));
        }

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.IsType<CircuitOpenException>(await h.FailureOf(h.Call("echo").AsTask()));
        Assert.Equal(5, h.Service.Counters.TotalToolRequests);

        time.Advance(TimeSpan.FromSeconds(1));
        using var probe = await h.Within(h.Call("echo").AsTask());
        Assert.Equal(6, h.Service.Counters.TotalToolRequests);
        Assert.Equal(CircuitState.Closed, h.Client.GetDiagnostics().Services["svc"].CircuitState);
    }

    [Fact]
    public async Task Breaker_HalfOpenWithManyConcurrentCallers_ExactlyOneProbeReachesTheServer()
    {
        var time = new FakeTimeProvider();
        await using var h = await ClientHarness.StartAsync(engine, o =>
        {
            o.TimeProvider = time;
            o.DefaultServiceOptions.Retry = new RetryOptions { MaxRetries = 0 };
            o.DefaultServiceOptions.Queue.WorkerCount = 16;
        });
        var failing = ClientHarness.Json("""{"status":503}""");
        for (var i = 0; i < 5; i++)
        {
            await h.FailureOf(h.Client.CallToolAsync("svc", "fail", failing).AsTask());
        }

        time.Advance(TimeSpan.FromSeconds(30));
        h.Service.Faults.Gate.Close();
        var calls = Enumerable.Range(0, 200).Select(_ => h.Call("echo").AsTask()).ToList();
        await WhenAllButOneAsync(calls, h.Timeout);

        await h.Service.Faults.Gate.WaitForWaitingAsync(1, h.Timeout);
        Assert.Equal(1, h.Service.Counters.ToolRequests("echo"));
        Assert.All(calls.Where(c => c.IsCompleted), c => Assert.IsType<CircuitOpenException>(c.Exception!.InnerException));
        var probeCall = calls.Single(c => !c.IsCompleted); // before the release: afterwards it completes at any moment
        h.Service.Faults.Gate.Release();
        using var probe = await h.Within(probeCall);
    }

    [Fact]
    public async Task Cancel_InFlight_AbortsTheRequestAndIsNotCounted()
    {
        await using var h = await ClientHarness.StartAsync(engine);
        h.Service.Faults.Gate.Close();
        using var cts = new CancellationTokenSource();
        var call = h.Call("echo", cancellationToken: cts.Token).AsTask();
        await h.Service.Faults.Gate.WaitForWaitingAsync(1, h.Timeout);

        await cts.CancelAsync();

        Assert.IsAssignableFrom<OperationCanceledException>(await h.FailureOf(call));
        Assert.Equal(0, h.Client.GetDiagnostics().Services["svc"].ConsecutiveFailures);
        Assert.Equal(1, h.Service.Counters.ToolRequests("echo"));
        h.Service.Faults.Gate.Release();
    }

    [Fact]
    public async Task QueueFull_FailFastAndWait_BothBehaveOverTheWire()
    {
        await using var h = await ClientHarness.StartAsync(engine, o =>
        {
            o.DefaultServiceOptions.Queue.WorkerCount = 1;
            o.DefaultServiceOptions.Queue.Capacity = 1;
            o.DefaultServiceOptions.Queue.FullMode = QueueFullMode.FailFast;
        });
        h.Service.Faults.Gate.Close();
        var running = h.Call("echo").AsTask();
        await h.Service.Faults.Gate.WaitForWaitingAsync(1, h.Timeout);
        var queued = h.Call("echo").AsTask();

        Assert.IsType<QueueFullException>(await h.FailureOf(h.Call("echo").AsTask()));

        h.Service.Faults.Gate.Release();
        (await h.Within(running)).Dispose();
        (await h.Within(queued)).Dispose();
        Assert.Equal(2, h.Service.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task Dispose_With1000CallsInFlight_EveryCallEndsTypedAndNoConnectionStaysOpen()
    {
        var h = await ClientHarness.StartAsync(engine, o =>
        {
            o.DefaultServiceOptions.Queue.WorkerCount = 16;
            o.DefaultServiceOptions.Queue.Capacity = 2000;
        });
        await using var service = h.Service;
        h.Service.Faults.Gate.Close();
        var calls = Enumerable.Range(0, 1000).Select(_ => h.Call("echo").AsTask()).ToList();
        await h.Service.Faults.Gate.WaitForWaitingAsync(16, h.Timeout);

        await h.Client.DisposeAsync().AsTask().WaitAsync(h.Timeout);

        foreach (var call in calls)
        {
            Assert.IsType<ClientDisposedException>(await h.FailureOf(call));
        }

        h.Service.Faults.Gate.Release();
        await h.Service.Counters.WaitForOpenConnectionsAsync(0, h.Timeout);
    }

    [Fact]
    public async Task EndpointChange_MidLoad_NewCallsGoToTheNewEndpointAndTheOldPoolCloses()
    {
        await using var h = await ClientHarness.StartAsync(engine);
        await using var second = await TestMcpService.StartAsync();
        for (var i = 0; i < 20; i++)
        {
            (await h.Within(h.Call("echo").AsTask())).Dispose();
        }

        await h.Discovery.RegisterAsync("svc", second.BaseAddress);
        await WaitUntilAsync(() => h.Client.GetDiagnostics().Services["svc"].Endpoint.Port == second.BaseAddress.Port, h.Timeout);
        var before = h.Service.Counters.ToolRequests("echo");
        var load = Enumerable.Range(0, 50).Select(_ => h.Call("echo").AsTask()).ToList();
        foreach (var call in load)
        {
            (await h.Within(call)).Dispose();
        }

        Assert.Equal(before, h.Service.Counters.ToolRequests("echo"));
        Assert.Equal(50, second.Counters.ToolRequests("echo"));
        await h.Service.Counters.WaitForOpenConnectionsAsync(0, h.Timeout);
    }

    [Fact]
    public async Task InvalidToolNames_AreRefusedBeforeAnyIo()
    {
        await using var h = await ClientHarness.StartAsync(engine);
        string[] bad = ["../admin", "..", ".", "a/b", "%2F", "%2e%2e", "a\0b", "a b", new string('x', 129), "", "tool\r\nX-Evil: 1", "é"];

        foreach (var name in bad)
        {
            Assert.IsType<InvalidToolNameException>(await h.FailureOf(h.Call(name).AsTask()));
        }

        Assert.Equal(0, h.Service.Counters.TotalRequests);
        Assert.Equal(0, h.Service.Counters.AcceptedConnections);
    }

    /// <summary>Waits until every call but one (the probe held at the server) has completed.</summary>
    internal static async Task WhenAllButOneAsync(List<Task<ToolResult>> calls, CancellationToken cancellationToken)
    {
        while (true)
        {
            var pending = calls.Where(c => !c.IsCompleted).ToList(); // a snapshot: never wait on a list that shrinks to the probe
            if (pending.Count <= 1)
            {
                return;
            }

            await Task.WhenAny(pending).WaitAsync(cancellationToken);
        }
    }

    private static Task WaitForRetriesAsync(ClientHarness h, long count) =>
        WaitUntilAsync(() => h.Client.GetDiagnostics().Services["svc"].Retries >= count, h.Timeout);

    /// <summary>A bounded poll for state this test cannot be signalled about (yields, never sleeps).</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
        }
    }
}

/// <summary>The suite on the default engine (<see cref="System.Net.Http.SocketsHttpHandler"/>).</summary>
public sealed class FaultTestsOnSocketsHttpHandler() : FaultTests(HttpEngineKind.SocketsHttpHandler);

/// <summary>The suite on the direct HTTP/1.1 engine.</summary>
public sealed class FaultTestsOnDirectEngine() : FaultTests(HttpEngineKind.Direct);
