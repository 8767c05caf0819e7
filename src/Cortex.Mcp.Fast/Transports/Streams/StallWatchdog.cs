using System.IO.Pipelines;
using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>
/// Ends a stream that has stalled, by cancelling its pending pipe read: a line left incomplete longer than the
/// line-progress limit (every stream), or, where enabled, no data event within the event-progress limit (resource
/// streams; comment heartbeats do not count). Checked at a quarter of the smallest limit, so a stall is detected
/// between 1 and 1.25 times its limit: by the transport's shared <see cref="StallMonitor"/> (one timer for every open
/// stream), or by a timer of its own when it has no monitor.
/// </summary>
/// <remarks>The timer callback and the reading thread share only <see cref="_lastEvent"/> and the
/// <see cref="LineProgress"/>'s timestamp (both read and written with Volatile); <see cref="Failure"/> is
/// written once, before the read is cancelled, so the reader that sees the cancellation sees it.</remarks>
internal sealed class StallWatchdog : IDisposable
{
    private readonly LineProgress _body;
    private readonly PipeReader _pipe;
    private readonly TimeProvider _timeProvider;
    private readonly TimeSpan _lineLimit;
    private readonly TimeSpan? _eventLimit;
    private readonly ITimer? _timer;
    private readonly StallMonitor? _monitor;
    private long _lastEvent;
    private TransportFailure? _failure;

    public StallWatchdog(LineProgress body, PipeReader pipe, TimeProvider timeProvider, TimeSpan lineLimit, TimeSpan? eventLimit, StallMonitor? monitor = null)
    {
        _body = body;
        _pipe = pipe;
        _timeProvider = timeProvider;
        _lineLimit = lineLimit;
        _eventLimit = eventLimit;
        _lastEvent = timeProvider.GetTimestamp();
        var smallest = eventLimit is { } e && e < lineLimit ? e : lineLimit;
        Period = TimeSpan.FromTicks(Math.Max(smallest.Ticks / 4, TimeSpan.TicksPerMillisecond));
        if (monitor is not null && ReferenceEquals(monitor.TimeProvider, timeProvider))
        {
            _monitor = monitor;
            monitor.Watch(this);
        }
        else
        {
            _timer = timeProvider.CreateTimer(static s => ((StallWatchdog)s!).Check(), this, Period, Period);
        }
    }

    /// <summary>How often this stream must be checked.</summary>
    public TimeSpan Period { get; }

    /// <summary>The watchdog's place in its monitor's list (monitor only, under its lock).</summary>
    internal int MonitorIndex { get; set; } = -1;

    /// <summary>Why the stream was ended, once it was; null while it makes progress.</summary>
    public TransportFailure? Failure => Volatile.Read(ref _failure);

    /// <summary>Notes a data event (the event-progress clock restarts).</summary>
    public void OnEvent() => Volatile.Write(ref _lastEvent, _timeProvider.GetTimestamp());

    public void Dispose()
    {
        _timer?.Dispose();
        _monitor?.Unwatch(this);
    }

    /// <summary>Ends the stream if it has stalled (from a timer thread).</summary>
    internal void Check()
    {
        if (Volatile.Read(ref _failure) is not null)
        {
            return;
        }

        var partialSince = _body.PartialLineSince;
        if (partialSince != 0 && _timeProvider.GetElapsedTime(partialSince) >= _lineLimit)
        {
            Fire(TransportFailure.TimedOut(TimeoutLimit.LineProgress, _lineLimit, $"the stream kept a line incomplete for more than {_lineLimit.TotalMilliseconds:F0} ms."));
        }
        else if (_eventLimit is { } eventLimit && _timeProvider.GetElapsedTime(Volatile.Read(ref _lastEvent)) >= eventLimit)
        {
            Fire(TransportFailure.TimedOut(TimeoutLimit.EventProgress, eventLimit, $"the stream carried no data event for more than {eventLimit.TotalMilliseconds:F0} ms."));
        }
    }

    private void Fire(TransportFailure failure)
    {
        if (Interlocked.CompareExchange(ref _failure, failure, null) is null)
        {
            _pipe.CancelPendingRead();
        }
    }
}
