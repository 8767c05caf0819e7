using System.Runtime.CompilerServices;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// One worker's reusable await that parks the worker first and then gives its thread to the caller: the caller's
/// continuation runs at once on the thread the reply arrived on, and the caller's next call, if it makes one, wakes
/// the same worker on the same thread. Zero thread-pool hops per call in a closed loop, where the ordinary
/// completion costs one.
/// </summary>
/// <remarks>
/// <para>Why park first: running a caller's continuation inline from inside the worker loop would let the caller's
/// code hold the worker (a caller that blocks on a second call, with every worker so held, never finishes). A parked
/// worker is not held: its continuation is registered with <see cref="WorkerSignal"/> before the caller's code runs,
/// so a call the caller makes — even one it then blocks on — wakes it, and it sends that request on the caller's
/// thread before the caller blocks (the signal's own synchronous wake). The caller's code runs on the reply's thread,
/// as it does with <c>HttpClient</c>.</para>
/// <para>Used only when nothing is queued (a worker with work to do publishes the ordinary way and keeps draining),
/// when the attempt completed asynchronously (the worker resumed on a reply's thread, never inside an enqueuing
/// caller's stack, where another caller's code must not run), and never nested on one thread
/// (<see cref="CanPublishInline"/>), so stacks stay flat. Allocation-free.</para>
/// </remarks>
internal sealed class WorkerHandOff : ICriticalNotifyCompletion
{
    [ThreadStatic]
    private static int t_publishing;

    private PendingCall? _call;
    private ToolResult? _result;
    private ValueTask<bool> _wait;

    /// <summary>False while this thread is already running a caller's continuation from a hand-off.</summary>
    public static bool CanPublishInline => t_publishing == 0;

    /// <summary>True: awaiting always yields, so <see cref="UnsafeOnCompleted"/> runs.</summary>
    public bool IsCompleted => false;

    /// <summary>
    /// Arms the hand-off: <paramref name="wait"/> is the worker's pending <see cref="WorkerSignal.WaitAsync"/>, and
    /// <paramref name="call"/> was claimed by <see cref="PendingCall.TryClaimResult"/>. The await completes with the
    /// wait's result (false once the signal is closed).
    /// </summary>
    public WorkerHandOff ParkThenPublish(ValueTask<bool> wait, PendingCall call, ToolResult result)
    {
        _wait = wait;
        _call = call;
        _result = result;
        return this;
    }

    public WorkerHandOff GetAwaiter() => this;

    public bool GetResult()
    {
        var wait = _wait;
        _wait = default;
        return wait.GetAwaiter().GetResult();
    }

    public void OnCompleted(Action continuation) => UnsafeOnCompleted(continuation);

    public void UnsafeOnCompleted(Action continuation)
    {
        // Read before the worker is parked: once parked, it may be woken on another thread and arm this again.
        var call = _call!;
        var result = _result!;
        _call = null;
        _result = null;
        _wait.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(continuation);

        t_publishing++;
        try
        {
            call.PublishClaimed(result, inline: true);
        }
        finally
        {
            t_publishing--;
        }
    }
}
