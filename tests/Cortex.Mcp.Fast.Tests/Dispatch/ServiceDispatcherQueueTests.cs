using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

public sealed class ServiceDispatcherQueueTests
{
    private static DispatcherHarness OneWorker(Action<McpServiceOptions>? more = null) => new(o =>
    {
        o.Queue.WorkerCount = 1;
        o.Queue.Capacity = 1;
        more?.Invoke(o);
    });

    [Fact]
    public async Task Cancel_WhileQueued_LeavesAtOnceWithoutIoAndIsNotAFailure()
    {
        await using var h = OneWorker();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("block", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("block").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);

        using var cts = new CancellationTokenSource();
        var queued = h.Call("queued", cancellationToken: cts.Token).AsTask();
        await cts.CancelAsync();

        var ex = await h.FailureOf(queued);
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
        gate.SetResult();
        using var first = await h.Within(running);
        Assert.Equal(0, h.Transport.Attempts("queued"));
        Assert.Equal(0, h.Breaker.ConsecutiveFailures);
    }

    [Fact]
    public async Task Cancel_InFlight_AbortsTheAttemptAndIsNotRetriedOrCounted()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", ScriptedTransport.Gated(new TaskCompletionSource().Task));
        using var cts = new CancellationTokenSource();
        var call = h.Call("t", cancellationToken: cts.Token).AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);

        await cts.CancelAsync();

        var ex = await h.FailureOf(call);
        Assert.Equal(cts.Token, Assert.IsAssignableFrom<OperationCanceledException>(ex).CancellationToken);
        Assert.Equal(1, h.Transport.Attempts("t"));
        Assert.Equal(0, h.Breaker.ConsecutiveFailures);
        Assert.Equal(CircuitState.Closed, h.Breaker.State);
    }

    [Fact]
    public async Task QueueFull_FailFast_RejectsAtOnceWithTypedError()
    {
        await using var h = OneWorker(o => o.Queue.FullMode = QueueFullMode.FailFast);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("t").AsTask();

        var rejected = h.Call("t").AsTask();

        Assert.True(rejected.IsCompleted);
        var full = Assert.IsType<QueueFullException>(await h.FailureOf(rejected));
        Assert.Equal(1, full.Capacity);
        Assert.Equal(1, h.Dispatcher.GetDiagnostics().QueueRejections);
        gate.SetResult();
        (await h.Within(running)).Dispose();
        (await h.Within(queued)).Dispose();
    }

    [Fact]
    public async Task QueueFull_Wait_TimesOutAtTheCallDeadline()
    {
        await using var h = OneWorker();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("t").AsTask();
        var waiting = h.Call("t", new ToolCallOptions { Timeout = TimeSpan.FromSeconds(2) }).AsTask();

        h.Time.Advance(TimeSpan.FromSeconds(2));

        var timeout = Assert.IsType<CallTimeoutException>(await h.FailureOf(waiting));
        Assert.Equal(TimeoutLimit.CallDeadline, timeout.Limit);
        gate.SetResult();
        (await h.Within(running)).Dispose();
        (await h.Within(queued)).Dispose();
        Assert.Equal(2, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task Deadline_IncludesQueueWait()
    {
        await using var h = OneWorker(o => o.Queue.Capacity = 4);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("block", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("block").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("late", new ToolCallOptions { Timeout = TimeSpan.FromSeconds(1) }).AsTask();

        h.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.IsType<CallTimeoutException>(await h.FailureOf(queued));
        gate.SetResult();
        (await h.Within(running)).Dispose();
        Assert.Equal(0, h.Transport.Attempts("late"));
    }

    [Fact]
    public async Task Deadline_DuringBackoff_EndsTheCallWithTimeout()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (_, _) => throw ScriptedTransport.Status("t", 503, TimeSpan.FromSeconds(4)));
        var call = h.Call("t", new ToolCallOptions { Timeout = TimeSpan.FromSeconds(5), MaxRetries = 10 }).AsTask();
        Assert.Equal(TimeSpan.FromSeconds(4), await h.NextRetryAsync());
        h.Time.Advance(TimeSpan.FromSeconds(4));
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        await h.Transport.WaitForAttemptAsync(h.Timeout);

        // The second attempt failed too; its 4 s backoff would pass the 5 s deadline, so the call fails now.
        var ex = await h.FailureOf(call);
        Assert.Equal(503, Assert.IsType<ServiceCallException>(ex).StatusCode);
        Assert.Equal(2, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task Dispose_WithQueuedAndInFlightCalls_EndsEveryCallWithTypedError()
    {
        var h = OneWorker(o => o.Queue.Capacity = 100);
        h.Transport.Script("t", ScriptedTransport.Gated(new TaskCompletionSource().Task));
        var calls = Enumerable.Range(0, 100).Select(_ => h.Call("t").AsTask()).ToList();
        await h.Transport.WaitForAttemptAsync(h.Timeout);

        await h.Dispatcher.DisposeAsync().AsTask().WaitAsync(h.Timeout);

        foreach (var call in calls)
        {
            Assert.IsType<ClientDisposedException>(await h.FailureOf(call));
        }

        Assert.True(h.Transport.Disposed);
        Assert.IsType<ClientDisposedException>(await h.FailureOf(h.Call("t").AsTask()));
    }
}
