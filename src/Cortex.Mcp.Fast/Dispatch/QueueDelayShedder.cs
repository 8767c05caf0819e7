using System.Diagnostics;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// Decides, as a worker takes a call from the queue, whether the queue is overloaded and the call must be refused
/// instead of run: controlled delay (CoDel, Nichols and Jacobson 2012) applied to the queueing delay of calls, in the
/// form used for RPC queues (Facebook's "Fail at Scale", 2015): a queue is overloaded once every call taken for a
/// whole interval had waited longer than the target; while it is overloaded, a call that waited longer than the
/// target is refused; it stops being overloaded once every call taken for a whole interval had waited less.
/// </summary>
/// <remarks>
/// <para>Why not CoDel's control law (drop one packet, then the next after interval/√count): it relies on TCP
/// senders slowing down after a drop. Callers of a client library do not; an open-loop excess keeps arriving, so
/// every call above the target is refused, and accepted calls keep a queueing delay near the target.</para>
/// <para>Why hysteresis on the way out (below the target for a whole interval): under steady overload the refusals
/// empty the queue quickly, so the next calls taken have waited briefly; leaving at once would let a standing queue
/// build again for a whole interval before the next refusal, and the accepted calls would see that interval as
/// latency every cycle.</para>
/// <para>A stalled service: while every worker hangs on a request nothing is taken from the queue, so no delay is
/// measured. <see cref="IsStalled"/> covers it at admission: a queue that holds calls and has made no progress (no
/// call taken, none arriving in an empty queue) for a whole interval (<see cref="ColdIntervals"/> intervals until
/// the service has completed its first call: its first connections are being opened) is overloaded; a new call is refused at once
/// instead of waiting to its deadline, and the calls already queued are refused as workers reach them.</para>
/// <para>Bursts shorter than the interval are absorbed: nothing is refused until the delay has stayed above the
/// target for the whole interval. Only a call's first stay counts (the caller decides; retries and resumptions are
/// never refused, since the service already accepted them).</para>
/// <para>Concurrency: every worker calls <see cref="ShouldShed"/>. The common case (not overloaded, the call waited
/// less than the target) reads one volatile field and takes no lock; any phase change happens under
/// <see cref="_gate"/>. Accepted race: a call taken by one worker while another changes the phase is judged by the
/// phase it read, so one call at the edge of an interval may be judged by the neighbouring phase.</para>
/// </remarks>
internal sealed class QueueDelayShedder
{
    /// <summary>Not overloaded, and the last call taken waited less than the target.</summary>
    private const int Normal = 0;

    /// <summary>Not overloaded; every call taken since <see cref="_since"/> waited longer than the target.</summary>
    private const int Rising = 1;

    /// <summary>Overloaded: calls that waited longer than the target are refused.</summary>
    private const int Shedding = 2;

    /// <summary>Overloaded; every call taken since <see cref="_since"/> waited less than the target.</summary>
    private const int Falling = 3;

    /// <summary>Guards the phase changes and <see cref="_since"/>; never held while calling out.</summary>
    private readonly Lock _gate = new();

    private readonly TimeProvider _timeProvider;

    /// <summary>The target, in <see cref="TimeProvider"/> timestamp ticks.</summary>
    private readonly long _target;

    /// <summary>The interval, in <see cref="TimeProvider"/> timestamp ticks.</summary>
    private readonly long _interval;

    /// <summary>One of <see cref="Normal"/>, <see cref="Rising"/>, <see cref="Shedding"/>, <see cref="Falling"/>.</summary>
    private int _phase;

    /// <summary>When the current <see cref="Rising"/> or <see cref="Falling"/> run began (a timestamp).</summary>
    private long _since;

    /// <summary>Calls refused so far.</summary>
    private long _shed;

    /// <summary>The last sign of progress (a timestamp): a call taken, or a call arriving in an empty queue.</summary>
    private long _lastProgress;

    /// <summary>How long a cold service (no call has completed yet) may go without progress before it counts as stalled.</summary>
    private readonly long _coldInterval;

    /// <summary>1 once a call has completed: from then on a stall is an <see cref="_interval"/> without progress.</summary>
    private int _warm;

    public QueueDelayShedder(TimeSpan target, TimeSpan interval, TimeProvider timeProvider)
    {
        Debug.Assert(target > TimeSpan.Zero && interval > TimeSpan.Zero, "Target and interval are positive.");
        _timeProvider = timeProvider;
        _target = ToTimestampTicks(target, timeProvider.TimestampFrequency);
        _interval = ToTimestampTicks(interval, timeProvider.TimestampFrequency);
        _lastProgress = timeProvider.GetTimestamp();

        // A cold service's first calls also open its connections (and shake hands over TLS); on a busy host or a far
        // endpoint that alone can take longer than an interval, and a burst queued behind it is not an overload.
        _coldInterval = _interval * ColdIntervals;
    }

    /// <summary>How many intervals a cold service may go without progress before it counts as stalled.</summary>
    public const int ColdIntervals = 10;

    /// <summary>True while the queue counts as overloaded (calls over the target are refused).</summary>
    public bool IsShedding => Volatile.Read(ref _phase) is Shedding or Falling;

    /// <summary>Calls refused so far.</summary>
    public long ShedCount => Interlocked.Read(ref _shed);

    /// <summary>
    /// Judges a call a worker has just taken from the queue, which entered it at <paramref name="queuedTimestamp"/>
    /// (a <see cref="TimeProvider.GetTimestamp"/> value): true when it must be refused. Updates the phase.
    /// </summary>
    public bool ShouldShed(long queuedTimestamp)
    {
        var now = _timeProvider.GetTimestamp();
        Volatile.Write(ref _lastProgress, now);
        var above = now - queuedTimestamp > _target;
        if (!above && Volatile.Read(ref _phase) == Normal)
        {
            return false; // the common case: no queue to speak of
        }

        bool shed;
        lock (_gate)
        {
            shed = Judge_NeedsLock(above, now);
        }

        if (shed)
        {
            Interlocked.Increment(ref _shed);
        }

        return shed;
    }

    /// <summary>A worker took a call that is not judged (a retry or a resumption): the queue made progress.</summary>
    public void NoteTaken() => Volatile.Write(ref _lastProgress, _timeProvider.GetTimestamp());

    /// <summary>A call arrived in an empty queue: nothing was waiting, so the queue was not stalled.</summary>
    public void NoteArrivalInEmptyQueue() => Volatile.Write(ref _lastProgress, _timeProvider.GetTimestamp());

    /// <summary>Notes that the service's endpoints changed: cold again until a call completes (new connections).</summary>
    public void NoteCold()
    {
        Volatile.Write(ref _warm, 0);
        Volatile.Write(ref _lastProgress, _timeProvider.GetTimestamp());
    }

    /// <summary>Notes that a call completed: the service is warm, so a stall is judged by one interval from now on.</summary>
    public void NoteCompleted()
    {
        if (Volatile.Read(ref _warm) == 0)
        {
            Volatile.Write(ref _warm, 1);
        }
    }

    /// <summary>
    /// True when a queue holding <paramref name="live"/> calls has made no progress for a whole interval: the caller
    /// refuses a new call at once. Also marks the queue overloaded, so the calls that waited through the stall are
    /// refused when workers reach them.
    /// </summary>
    public bool IsStalled(int live)
    {
        if (live <= 0)
        {
            return false;
        }

        var now = _timeProvider.GetTimestamp();
        if (now - Volatile.Read(ref _lastProgress) <= (Volatile.Read(ref _warm) != 0 ? _interval : _coldInterval))
        {
            return false;
        }

        if (Volatile.Read(ref _phase) is Normal or Rising)
        {
            lock (_gate)
            {
                if (_phase is Normal or Rising)
                {
                    Enter_NeedsLock(Shedding, now);
                }
            }
        }

        Interlocked.Increment(ref _shed);
        return true;
    }

    private static long ToTimestampTicks(TimeSpan value, long frequency) =>
        Math.Max(1, (long)Math.Round(value.Ticks * (double)frequency / TimeSpan.TicksPerSecond));

    private bool Judge_NeedsLock(bool above, long now)
    {
        switch (_phase)
        {
            case Normal when above:
                Enter_NeedsLock(Rising, now);
                return false;

            case Rising when !above:
                Enter_NeedsLock(Normal, now);
                return false;

            case Rising when now - _since >= _interval:
                // Every call taken for a whole interval waited past the target: a standing queue, not a burst.
                Enter_NeedsLock(Shedding, now);
                return true;

            case Rising:
                return false; // above, but not yet for a whole interval: a burst is absorbed

            case Shedding when !above:
                Enter_NeedsLock(Falling, now);
                return false;

            case Falling when above:
                Enter_NeedsLock(Shedding, now);
                return true;

            case Falling when now - _since >= _interval:
                Enter_NeedsLock(Normal, now);
                return false;

            case Falling:
                return false;

            default:
                return above; // Shedding, still above: refused; Normal and below: taken by the fast path
        }
    }

    private void Enter_NeedsLock(int phase, long now)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "Phase changes happen under the gate.");
        _since = now;
        Volatile.Write(ref _phase, phase);
    }
}
