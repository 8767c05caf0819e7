using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

public sealed class ServiceDispatcherTests
{
    [Fact]
    public async Task Enqueue_Success_ReturnsTransportResultAndCountsStatistics()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("echo", (_, _) => new ValueTask<ToolResult>(ScriptedTransport.Ok("{\"v\":42}")));

        using var result = await h.Within(h.Call("echo").AsTask());

        Assert.Equal(42, result.Json.GetProperty("v").GetInt32());
        var stats = h.Dispatcher.GetDiagnostics().Tools["echo"];
        Assert.Equal(1, stats.Calls);
        Assert.Equal(1, stats.Successes);
        Assert.Equal(0, stats.Failures);
    }

    [Fact]
    public async Task Retry_MaxRetriesZero_MakesExactlyOneAttempt()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (_, _) => throw ScriptedTransport.Status("t", 503));

        var ex = await h.FailureOf(h.Call("t", new ToolCallOptions { MaxRetries = 0 }).AsTask());

        var typed = Assert.IsType<ServiceCallException>(ex);
        Assert.Equal(503, typed.StatusCode);
        Assert.Equal(1, typed.Attempts);
        Assert.Equal(1, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task Retry_MaxRetriesTwoAgainstDeadEndpoint_MakesExactlyThreeAttempts()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (_, _) => throw ScriptedTransport.ConnectFailure("t"));

        var task = h.Call("t", new ToolCallOptions { MaxRetries = 2 }).AsTask();
        var delays = await h.DriveAsync(task);
        var ex = await h.FailureOf(task);

        Assert.Equal(FailureKind.ConnectFailure, Assert.IsType<ServiceCallException>(ex).FailureKind);
        Assert.Equal(3, h.Transport.Attempts("t"));
        Assert.Equal(2, delays.Count);
        Assert.True(delays[1] >= delays[0], "backoff grows");
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(422)]
    public async Task Retry_ClientErrorStatus_IsNotRetried(int status)
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (_, _) => throw ScriptedTransport.Status("t", status));

        var ex = await h.FailureOf(h.Call("t").AsTask());

        Assert.Equal(status, Assert.IsType<ServiceCallException>(ex).StatusCode);
        Assert.Equal(1, h.Transport.Attempts("t"));
        Assert.Equal(0, h.Breaker.ConsecutiveFailures);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(502)]
    [InlineData(503)]
    [InlineData(504)]
    public async Task Retry_TransientStatus_IsRetriedUntilSuccess(int status)
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (attempt, _) => attempt < 3 ? throw ScriptedTransport.Status("t", status) : new ValueTask<ToolResult>(ScriptedTransport.Ok()));

        var task = h.Call("t").AsTask();
        await h.DriveAsync(task);
        using var result = await h.Within(task);

        Assert.Equal(3, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task Retry_RetryAfterHeader_WinsOverBackoff()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (attempt, _) => attempt == 1 ? throw ScriptedTransport.Status("t", 503, TimeSpan.FromSeconds(7)) : new ValueTask<ToolResult>(ScriptedTransport.Ok()));

        var task = h.Call("t").AsTask();
        var delay = await h.NextRetryAsync();
        Assert.Equal(TimeSpan.FromSeconds(7), delay);

        h.Time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal(1, h.Transport.Attempts("t"));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        using var result = await h.Within(task);
        Assert.Equal(2, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task Retry_RetryAfterBeyondDeadline_FailsAtOnceWithTheCause()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (_, _) => throw ScriptedTransport.Status("t", 503, TimeSpan.FromMinutes(5)));

        var ex = await h.FailureOf(h.Call("t", new ToolCallOptions { Timeout = TimeSpan.FromSeconds(10) }).AsTask());

        Assert.Equal(503, Assert.IsType<ServiceCallException>(ex).StatusCode);
        Assert.Equal(1, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task Retry_NonIdempotentAfterSend_IsNotRetried()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (_, _) => throw ScriptedTransport.Network("t"));

        var ex = await h.FailureOf(h.Call("t", ToolCallOptions.NonIdempotent).AsTask());

        Assert.Equal(FailureKind.NetworkError, Assert.IsType<ServiceCallException>(ex).FailureKind);
        Assert.Equal(1, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task Retry_NonIdempotentNeverSent_IsRetried()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (attempt, _) => attempt == 1 ? throw ScriptedTransport.ConnectFailure("t") : new ValueTask<ToolResult>(ScriptedTransport.Ok()));

        var task = h.Call("t", ToolCallOptions.NonIdempotent).AsTask();
        await h.DriveAsync(task);
        using var result = await h.Within(task);

        Assert.Equal(2, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task Breaker_AfterFiveFailures_RefusesWithoutIoUntilBreakEnds()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (_, _) => throw ScriptedTransport.Status("t", 500));
        var once = new ToolCallOptions { MaxRetries = 0 };
        for (var i = 0; i < 5; i++)
        {
            await h.FailureOf(h.Call("t", once).AsTask());
        }

        var refused = await h.FailureOf(h.Call("t", once).AsTask());
        var open = Assert.IsType<CircuitOpenException>(refused);
        Assert.Equal(TimeSpan.FromSeconds(30), open.RetryAfter);
        Assert.Equal(5, h.Transport.Attempts("t"));

        h.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.IsType<CircuitOpenException>(await h.FailureOf(h.Call("t", once).AsTask()));
        Assert.Equal(5, h.Transport.Attempts("t"));

        h.Time.Advance(TimeSpan.FromSeconds(1));
        h.Transport.Script("t", (_, _) => new ValueTask<ToolResult>(ScriptedTransport.Ok()));
        using var probe = await h.Within(h.Call("t", once).AsTask());
        Assert.Equal(6, h.Transport.Attempts("t"));
        Assert.Equal(CircuitState.Closed, h.Breaker.State);
    }

    [Fact]
    public async Task Breaker_HalfOpenWithManyCallers_AdmitsExactlyOneProbe()
    {
        await using var h = new DispatcherHarness(o => o.Queue.WorkerCount = 8);
        h.Transport.Script("t", (_, _) => throw ScriptedTransport.Status("t", 500));
        var once = new ToolCallOptions { MaxRetries = 0 };
        for (var i = 0; i < 5; i++)
        {
            await h.FailureOf(h.Call("t", once).AsTask());
        }

        h.Time.Advance(TimeSpan.FromSeconds(30));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var calls = Enumerable.Range(0, 50).Select(_ => h.Call("t", once).AsTask()).ToList();

        // Every caller but the probe is refused without I/O while the probe is held at the server.
        for (var pending = calls.Where(c => !c.IsCompleted).ToList(); pending.Count > 1; pending = calls.Where(c => !c.IsCompleted).ToList())
        {
            await Task.WhenAny(pending).WaitAsync(h.Timeout);
        }

        Assert.All(calls.Where(c => c.IsCompleted), c => Assert.IsType<CircuitOpenException>(c.Exception!.InnerException));
        Assert.Equal(6, h.Transport.Attempts("t"));

        var probeCall = calls.Single(c => !c.IsCompleted); // before the release: afterwards it completes at any moment
        gate.SetResult();
        using var probe = await h.Within(probeCall);
        Assert.Equal(CircuitState.Closed, h.Breaker.State);
        Assert.Equal(6, h.Transport.Attempts("t"));
    }
}
