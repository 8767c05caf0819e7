namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>
/// Overload through the dispatcher, on fake time: shed mode (the default) refuses, without sending them, the calls
/// that waited past the target once the queue has been overloaded for an interval, never a retry; a stalled
/// service's queue refuses new calls at once; wait mode bounds its waiters.
/// </summary>
public sealed class ServiceDispatcherShedTests
{
    private static DispatcherHarness OneWorker(Action<McpServiceOptions>? more = null) => new(o =>
    {
        o.Queue.WorkerCount = 1;
        o.Queue.Capacity = 64;
        o.CircuitBreaker.Enabled = false;
        more?.Invoke(o);
    });

    [Fact]
    public void Defaults_ShedModeWithCoDelTargetAndInterval()
    {
        var queue = new McpServiceOptions().Queue;

        Assert.Equal(QueueFullMode.Shed, queue.FullMode);
        Assert.Equal(TimeSpan.FromMilliseconds(5), queue.ShedTarget);
        Assert.Equal(TimeSpan.FromMilliseconds(100), queue.ShedInterval);
        Assert.Equal(1024, queue.MaxWaiters);
    }

    [Fact]
    public async Task Overloaded_ForAWholeInterval_RefusesTheCallsThatWaitedPastTheTargetWithoutSendingThem()
    {
        await using var h = OneWorker();
        var gates = Gates(h, 6);
        var calls = new List<Task<ToolResult>> { h.Call("c0").AsTask() };
        await h.Transport.WaitForAttemptAsync(h.Timeout);                      // c0 holds the only worker
        for (var i = 1; i < 6; i++)
        {
            calls.Add(h.Call("c" + i).AsTask());                               // c1..c5 queue at t = 0
        }

        await Release(h, gates[0], ms: 50, calls[0]);                          // t = 50: c1 taken after 50 ms, run
        await Release(h, gates[1], ms: 60, calls[1]);                          // t = 110: c2 taken, 60 ms into the run
        h.Time.Advance(TimeSpan.FromMilliseconds(50));                          // t = 160: c3 would be 110 ms into it
        gates[2].SetResult();
        (await h.Within(calls[2])).Dispose();

        for (var i = 3; i < 6; i++)
        {
            var refused = Assert.IsType<QueueFullException>(await h.FailureOf(calls[i]));
            Assert.Equal(0, refused.Attempts);
            Assert.True(refused.RequestNotSent);
            Assert.Equal(0, h.Transport.Attempts("c" + i));                   // never sent
        }

        Assert.Equal(3, h.Transport.TotalAttempts);
        Assert.Equal(3, h.Dispatcher.GetDiagnostics().QueueRejections);
        Assert.True(h.Dispatcher.Shedder!.IsShedding);
        Assert.Equal(0, h.Dispatcher.Admission.Live);

        // A call that finds the queue empty is taken at once (it waited less than the target): run, even now.
        var fresh = h.Call("fresh").AsTask();
        (await h.Within(fresh)).Dispose();
    }

    [Fact]
    public async Task Overloaded_ARetryIsNeverShed()
    {
        await using var h = OneWorker(o => o.Retry = new RetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(200) });
        await ShedOnceAsync(h);
        h.Transport.Script("retried", (attempt, _) => attempt == 1
            ? ValueTask.FromException<ToolResult>(ScriptedTransport.Status("retried", 503))
            : ValueTask.FromResult(ScriptedTransport.Ok()));

        var call = h.Call("retried").AsTask();
        var delays = await h.DriveAsync(call);

        // The retry re-entered the queue more than the target after the call was accepted, while shedding: judged
        // as a first attempt it would have been refused.
        Assert.True(h.Dispatcher.Shedder!.IsShedding);
        Assert.True(delays.Single() > TimeSpan.FromMilliseconds(5), $"backoff {delays.Single()}");
        (await h.Within(call)).Dispose();
        Assert.Equal(2, h.Transport.Attempts("retried"));
    }

    [Fact]
    public async Task StalledService_NewCallsAreRefusedAtOnceAfterAnInterval_AndQueuedOnesPastTheTargetWhenReached()
    {
        await using var h = OneWorker();
        (await h.Within(h.Call("warm").AsTask())).Dispose();                    // a warm service: one call completed
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("t").AsTask();

        h.Time.Advance(TimeSpan.FromMilliseconds(100));
        var withinInterval = h.Call("t").AsTask();                              // no progress for exactly 100 ms: queued
        h.Time.Advance(TimeSpan.FromMilliseconds(1));
        var refused = h.Call("t").AsTask();

        Assert.True(refused.IsCompleted);                                      // refused now, not at its deadline
        Assert.IsType<QueueFullException>(await h.FailureOf(refused));
        Assert.False(queued.IsCompleted);
        Assert.False(withinInterval.IsCompleted);

        gate.SetResult();
        (await h.Within(running)).Dispose();
        Assert.IsType<QueueFullException>(await h.FailureOf(queued));          // waited 101 ms in an overloaded queue
        (await h.Within(withinInterval)).Dispose();                             // waited 1 ms, under the target: run
        Assert.Equal(2, h.Transport.Attempts("t"));
        Assert.Equal(2, h.Dispatcher.GetDiagnostics().QueueRejections);
    }

    [Fact]
    public async Task ColdService_ABurstQueuedBehindItsFirstConnect_IsNotShed_UntilTenIntervals()
    {
        await using var h = OneWorker();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var first = h.Call("t").AsTask();                                       // the worker is opening the first connection
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var burst = Enumerable.Range(0, 7).Select(_ => h.Call("t").AsTask()).ToList();

        h.Time.Advance(TimeSpan.FromMilliseconds(101));                         // past one interval: a warm service would shed
        var late = h.Call("t").AsTask();
        Assert.False(late.IsCompleted);
        Assert.All(burst, call => Assert.False(call.IsCompleted));

        gate.SetResult();
        (await h.Within(first)).Dispose();
        foreach (var call in burst.Append(late))
        {
            (await h.Within(call)).Dispose();                                   // every call of the cold burst runs
        }

        Assert.Equal(9, h.Transport.Attempts("t"));
        Assert.Equal(0, h.Dispatcher.GetDiagnostics().QueueRejections);
    }

    [Fact]
    public async Task ShedMode_FullQueue_RefusesAtOnce()
    {
        await using var h = OneWorker(o => o.Queue.Capacity = 1);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("t").AsTask();

        var refused = h.Call("t").AsTask();

        Assert.True(refused.IsCompleted);
        Assert.Equal(1, Assert.IsType<QueueFullException>(await h.FailureOf(refused)).Capacity);
        gate.SetResult();
        (await h.Within(running)).Dispose();
        (await h.Within(queued)).Dispose();
    }

    [Fact]
    public async Task WaitMode_MaxWaitersReached_TheNextCallerIsRefusedAtOnce()
    {
        await using var h = OneWorker(o =>
        {
            o.Queue.Capacity = 1;
            o.Queue.FullMode = QueueFullMode.Wait;
            o.Queue.MaxWaiters = 2;
        });
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script("t", ScriptedTransport.Gated(gate.Task));
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("t").AsTask();
        var waiters = new[] { h.Call("t").AsTask(), h.Call("t").AsTask() };

        var refused = h.Call("t").AsTask();

        Assert.True(refused.IsCompleted);
        Assert.IsType<QueueFullException>(await h.FailureOf(refused));
        Assert.Equal(2, h.Dispatcher.Admission.Waiting);
        gate.SetResult();
        foreach (var call in waiters.Prepend(queued).Prepend(running))
        {
            (await h.Within(call)).Dispose();                                  // the bounded waiters all ran
        }

        Assert.Equal(4, h.Transport.Attempts("t"));
        Assert.Equal(0, h.Dispatcher.Admission.Waiting);
    }

    /// <summary>Puts the queue into shedding (one call refused), leaving it empty and the worker free.</summary>
    private static async Task ShedOnceAsync(DispatcherHarness h)
    {
        var gates = Gates(h, 3);
        var first = h.Call("c0").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var second = h.Call("c1").AsTask();
        var third = h.Call("c2").AsTask();
        await Release(h, gates[0], ms: 50, first);                             // c1 taken 50 ms late: the run begins
        h.Time.Advance(TimeSpan.FromMilliseconds(100));
        gates[1].SetResult();
        (await h.Within(second)).Dispose();
        Assert.IsType<QueueFullException>(await h.FailureOf(third));           // taken 150 ms late, 100 ms into the run
    }

    /// <summary>Tools c0..c(n-1), each held until its gate opens.</summary>
    private static TaskCompletionSource[] Gates(DispatcherHarness h, int count)
    {
        var gates = new TaskCompletionSource[count];
        for (var i = 0; i < count; i++)
        {
            gates[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            h.Transport.Script("c" + i, ScriptedTransport.Gated(gates[i].Task));
        }

        return gates;
    }

    /// <summary>Advances time, lets a running call finish, and waits until the worker has started the next one.</summary>
    private static async Task Release(DispatcherHarness h, TaskCompletionSource gate, int ms, Task<ToolResult> call)
    {
        h.Time.Advance(TimeSpan.FromMilliseconds(ms));
        gate.SetResult();
        (await h.Within(call)).Dispose();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
    }
}
