namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// A one-shot timer that puts a parked call (a retry's backoff or a suspension's wait for its resumption) back in
/// its dispatcher's queue, so that a worker never sleeps. Parked calls are the exception, so one small object each
/// is fine.
/// </summary>
/// <remarks>The timer does not decide whether the call is still parked: <see cref="ServiceDispatcher.Requeue"/>'s
/// CAS from <c>from</c> does, so a call that ended meanwhile (deadline, cancellation, disposal) is left alone.</remarks>
internal sealed class RequeueTimer
{
    private readonly ServiceDispatcher _owner;
    private readonly PendingCall _call;

    /// <summary>The incarnation of <see cref="_call"/> that was parked.</summary>
    private readonly short _version;

    /// <summary>The status the call was parked in (<see cref="PendingCall.Backoff"/> or <see cref="PendingCall.Suspended"/>).</summary>
    private readonly int _from;

    private ITimer? _timer;

    private RequeueTimer(ServiceDispatcher owner, PendingCall call, short version, int from)
    {
        _owner = owner;
        _call = call;
        _version = version;
        _from = from;
    }

    /// <summary>Requeues incarnation <paramref name="version"/> of <paramref name="call"/>, parked in
    /// <paramref name="from"/>, after <paramref name="delay"/>.</summary>
    public static void Schedule(ServiceDispatcher owner, PendingCall call, short version, int from, TimeSpan delay, TimeProvider timeProvider)
    {
        var state = new RequeueTimer(owner, call, version, from);
        var timer = timeProvider.CreateTimer(static s => ((RequeueTimer)s!).Fire(), state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        state._timer = timer;
        timer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private void Fire()
    {
        _timer?.Dispose();
        _owner.Requeue(_call, _version, _from);
    }
}
