namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>
/// <see cref="QueueFullException.Reason"/> names the path that refused the call, on every path: a full queue (fail-fast
/// and shed modes), the waiter bound (wait mode), shedding by queueing delay at the worker, and shedding on arrival at
/// a stalled queue. Each refusal is typed, never sent, and counted; the message says which it was.
/// </summary>
public sealed class QueueRefusalReasonTests
{
    private static DispatcherHarness OneWorker(Action<QueueOptions> queue) => new(o =>
    {
        o.Queue.WorkerCount = 1;
        o.CircuitBreaker.Enabled = false;
        queue(o.Queue);
    });

    [Theory]
    [InlineData(QueueFullMode.FailFast)]
    [InlineData(QueueFullMode.Shed)]
    public async Task FullQueue_ReasonIsQueueFull(QueueFullMode mode)
    {
        await using var h = OneWorker(q =>
        {
            q.Capacity = 1;
            q.FullMode = mode;
        });
        var gate = Gate(h, "t");
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("t").AsTask();

        var refused = await RefusedAsync(h, h.Call("t").AsTask());

        Assert.Equal(QueueRefusalReason.QueueFull, refused.Reason);
        Assert.Equal(1, refused.Capacity);
        Assert.Contains("is full (1 calls)", refused.Message, StringComparison.Ordinal);
        gate.SetResult();
        (await h.Within(running)).Dispose();
        (await h.Within(queued)).Dispose();
        Assert.Equal(2, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task WaitMode_WaiterBoundReached_ReasonIsWaiterLimit()
    {
        await using var h = OneWorker(q =>
        {
            q.Capacity = 1;
            q.FullMode = QueueFullMode.Wait;
            q.MaxWaiters = 1;
        });
        var gate = Gate(h, "t");
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("t").AsTask();
        var waiter = h.Call("t").AsTask();

        var refused = await RefusedAsync(h, h.Call("t").AsTask());

        Assert.Equal(QueueRefusalReason.WaiterLimit, refused.Reason);
        Assert.Contains("1 callers already wait", refused.Message, StringComparison.Ordinal);
        gate.SetResult();
        foreach (var call in new[] { running, queued, waiter })
        {
            (await h.Within(call)).Dispose();
        }

        Assert.Equal(3, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task ShedMode_WaitedPastTheTargetInAnOverloadedQueue_ReasonIsQueueingDelay()
    {
        await using var h = OneWorker(q => q.Capacity = 64);
        var gates = new[] { Gate(h, "c0"), Gate(h, "c1"), Gate(h, "c2") };
        var first = h.Call("c0").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var second = h.Call("c1").AsTask();
        var third = h.Call("c2").AsTask();

        // c1 is taken 50 ms late (the overloaded run begins); c2 is reached 150 ms late, 100 ms into the run: shed.
        h.Time.Advance(TimeSpan.FromMilliseconds(50));
        gates[0].SetResult();
        (await h.Within(first)).Dispose();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        h.Time.Advance(TimeSpan.FromMilliseconds(100));
        gates[1].SetResult();
        (await h.Within(second)).Dispose();

        var refused = await RefusedAsync(h, third);

        Assert.Equal(QueueRefusalReason.QueueingDelay, refused.Reason);
        Assert.Contains("shedding target", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, h.Transport.Attempts("c2"));
    }

    [Fact]
    public async Task ShedMode_StalledQueue_NewCallRefusedOnArrival_ReasonIsStalled()
    {
        await using var h = OneWorker(q => q.Capacity = 64);
        (await h.Within(h.Call("warm").AsTask())).Dispose();                // a warm service: one call completed
        var gate = Gate(h, "t");
        var running = h.Call("t").AsTask();
        await h.Transport.WaitForAttemptAsync(h.Timeout);
        var queued = h.Call("t").AsTask();
        h.Time.Advance(TimeSpan.FromMilliseconds(101));                     // no call taken for over an interval

        var arrival = h.Call("t").AsTask();

        Assert.True(arrival.IsCompleted, "a stalled queue refuses on arrival");
        var refused = await RefusedAsync(h, arrival);
        Assert.Equal(QueueRefusalReason.Stalled, refused.Reason);
        Assert.Contains("stalled", refused.Message, StringComparison.Ordinal);

        // The call that was already queued is shed by its own wait once the worker reaches it: a different reason.
        gate.SetResult();
        (await h.Within(running)).Dispose();
        var shed = Assert.IsType<QueueFullException>(await h.FailureOf(queued));
        Assert.Equal(QueueRefusalReason.QueueingDelay, shed.Reason);
        Assert.Equal(1, h.Transport.Attempts("t"));
        Assert.Equal(2, h.Dispatcher.GetDiagnostics().QueueRejections);
    }

    private static async Task<QueueFullException> RefusedAsync(DispatcherHarness h, Task<ToolResult> call)
    {
        var refused = Assert.IsType<QueueFullException>(await h.FailureOf(call));
        Assert.True(refused.RequestNotSent);
        Assert.Equal(0, refused.Attempts);
        return refused;
    }

    private static TaskCompletionSource Gate(DispatcherHarness h, string tool)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Transport.Script(tool, ScriptedTransport.Gated(gate.Task));
        return gate;
    }
}
