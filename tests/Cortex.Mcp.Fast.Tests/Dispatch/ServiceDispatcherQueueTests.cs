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
        await using var h = OneWorker(o => o.Queue.FullMode = QueueFullMode.Wait);
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

    [Fact]
    public async Task QueueFull_FailFast_ExpiredQueuedCallsGiveTheirSlotsBack()
    {
        // Defect 9: expired queued calls kept their queue slots until a worker drained them.
        await using var h = OneWorker(o =>
        {
            o.Queue.Capacity = 4;
            o.Queue.FullMode = QueueFullMode.FailFast;
        });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var expiring = Enumerable.Range(0, 4).Select(_ => h.Call("t", new ToolCallOptions { Timeout = TimeSpan.FromSeconds(1) }).AsTask()).ToList();
        Assert.Equal(4, h.Dispatcher.GetDiagnostics().QueueDepth);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        foreach (var call in expiring)
        {
            Assert.IsType<CallTimeoutException>(await h.FailureOf(call));
        }

        Assert.Equal(0, h.Dispatcher.GetDiagnostics().QueueDepth);
        var fresh = Enumerable.Range(0, 4).Select(_ => h.Call("t").AsTask()).ToList();
        Assert.All(fresh, call => Assert.False(call.IsCompleted, "a live call is queued, not refused"));
        Assert.Equal(4, h.Dispatcher.GetDiagnostics().QueueDepth);
        Assert.Equal(0, h.Dispatcher.GetDiagnostics().QueueRejections);

        gate.SetResult();
        (await h.Within(running)).Dispose();
        foreach (var call in fresh)
        {
            (await h.Within(call)).Dispose();
        }

        Assert.Equal(5, h.Transport.Attempts("t"));
        Assert.Equal(0, h.Dispatcher.GetDiagnostics().QueueDepth);
    }

    [Fact]
    public async Task QueueFull_Wait_DeadEntriesCountForNothingAndAWaiterIsAdmittedWhenALiveCallLeaves()
    {
        await using var h = OneWorker(o =>
        {
            o.Queue.Capacity = 2;
            o.Queue.FullMode = QueueFullMode.Wait;
        });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var expiring = Enumerable.Range(0, 2).Select(_ => h.Call("t", new ToolCallOptions { Timeout = TimeSpan.FromSeconds(1) }).AsTask()).ToList();
        h.Time.Advance(TimeSpan.FromSeconds(1));
        foreach (var call in expiring)
        {
            Assert.IsType<CallTimeoutException>(await h.FailureOf(call));
        }

        Assert.Equal(0, h.Dispatcher.GetDiagnostics().QueueDepth);

        using var cancelFirst = new CancellationTokenSource();
        var first = h.Call("t", cancellationToken: cancelFirst.Token).AsTask();
        var second = h.Call("t").AsTask();
        var waiter = h.Call("t").AsTask(); // the queue holds two live calls: this one waits for room
        Assert.Equal(2, h.Dispatcher.GetDiagnostics().QueueDepth);
        Assert.Equal(1, h.Dispatcher.Admission.Waiting);

        await cancelFirst.CancelAsync(); // a live call leaves: the waiter takes its slot
        Assert.IsAssignableFrom<OperationCanceledException>(await h.FailureOf(first));
        Assert.Equal(2, h.Dispatcher.GetDiagnostics().QueueDepth);
        Assert.Equal(0, h.Dispatcher.Admission.Waiting);

        gate.SetResult();
        (await h.Within(running)).Dispose();
        (await h.Within(second)).Dispose();
        (await h.Within(waiter)).Dispose();
        Assert.Equal(3, h.Transport.Attempts("t"));
        Assert.Equal(0, h.Dispatcher.GetDiagnostics().QueueDepth);
    }

    [Fact]
    public async Task QueueFull_Wait_WaiterStillEndsAtItsDeadlineAndLeavesNoTrace()
    {
        await using var h = OneWorker(o => o.Queue.FullMode = QueueFullMode.Wait);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("t").AsTask();
        var waiters = Enumerable.Range(0, 3).Select(_ => h.Call("t", new ToolCallOptions { Timeout = TimeSpan.FromSeconds(2) }).AsTask()).ToList();
        Assert.Equal(3, h.Dispatcher.Admission.Waiting);

        h.Time.Advance(TimeSpan.FromSeconds(2));

        foreach (var waiter in waiters)
        {
            Assert.IsType<CallTimeoutException>(await h.FailureOf(waiter));
        }

        Assert.Equal(0, h.Dispatcher.Admission.Waiting);
        Assert.Equal(1, h.Dispatcher.GetDiagnostics().QueueDepth);
        gate.SetResult();
        (await h.Within(running)).Dispose();
        (await h.Within(queued)).Dispose();
        Assert.Equal(2, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task Retry_RequeuedAfterBackoff_IsNeverRefusedByAFullQueue()
    {
        // Documented decision: a retry is a live call (it counts for depth) but is admitted without the capacity check.
        await using var h = OneWorker(o => o.Queue.FullMode = QueueFullMode.FailFast);
        h.Transport.Script("flaky", (attempt, _) => attempt == 1 ? throw ScriptedTransport.Status("flaky", 503) : new ValueTask<ToolResult>(ScriptedTransport.Ok()));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("block", ScriptedTransport.Gated(gate.Task));

        var flaky = h.Call("flaky").AsTask();
        var delay = await h.NextRetryAsync();
        var blocking = h.Call("block").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout); // flaky's first attempt
        await h.Transport.WaitForAttemptAsync(h.Timeout); // block holds the only worker
        var queued = h.Call("block").AsTask(); // the queue is full now
        Assert.IsType<QueueFullException>(await h.FailureOf(h.Call("block").AsTask()));

        h.Time.Advance(delay);

        Assert.False(flaky.IsCompleted);
        Assert.Equal(2, h.Dispatcher.GetDiagnostics().QueueDepth);
        gate.SetResult();
        (await h.Within(flaky)).Dispose();
        (await h.Within(blocking)).Dispose();
        (await h.Within(queued)).Dispose();
        Assert.Equal(2, h.Transport.Attempts("flaky"));
        Assert.Equal(0, h.Dispatcher.GetDiagnostics().QueueDepth);
    }

    [Fact]
    public async Task Lease_EndpointDisposedUnderTheDispatcher_FailsTypedInsteadOfSpinning()
    {
        await using var h = new DispatcherHarness();
        await h.Dispatcher.Endpoint.DisposeNowAsync();

        var ex = await h.FailureOf(h.Call("t").AsTask());

        var typed = Assert.IsType<ServiceCallException>(ex);
        Assert.True(typed.RequestNotSent);
        Assert.Equal(0, h.Transport.Attempts("t"));
        var list = await Record.ExceptionAsync(() => h.Dispatcher.Requests.RunAsync("tools/list", static (t, ct) => t.ListToolsAsync(ct), CancellationToken.None).AsTask());
        Assert.IsType<ServiceCallException>(list);
    }

    [Fact]
    public async Task Options_ChangedAfterStart_TheRunningDispatcherKeepsItsSnapshot()
    {
        await using var h = OneWorker(o => o.Queue.FullMode = QueueFullMode.FailFast);
        h.Options.Queue.FullMode = QueueFullMode.Wait;
        h.Options.CallTimeout = TimeSpan.FromMilliseconds(1);
        h.Options.Retry.MaxRetries = 0;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("t").AsTask();

        Assert.IsType<QueueFullException>(await h.FailureOf(h.Call("t").AsTask()));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(queued.IsCompleted, "the deadline is still the snapshot's 30 s");

        gate.SetResult();
        (await h.Within(running)).Dispose();
        (await h.Within(queued)).Dispose();
    }
}
