using HdrHistogram;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>Counters at the end of a phase.</summary>
internal readonly record struct PhaseCounts(long Sent, long Completed, long Failed, long NotSent, long Abandoned, IReadOnlyList<LoadErrorCount> Errors, LongHistogram FailedHistogram);

/// <summary>
/// One phase's state. Dispatch counts with <see cref="Interlocked"/>; completions take <see cref="_lock"/> so
/// that <see cref="Close"/> sees an exact split between finished and abandoned calls (a completion after the
/// close is ignored, never counted twice).
/// </summary>
internal sealed class LoadPhase : IDisposable
{
    /// <summary>How often <see cref="WaitDrainedAsync"/> looks whether the calls in flight have ended.</summary>
    private static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(5);

    private readonly Lock _lock = new();
    private readonly Func<CancellationToken, ValueTask> _call;
    private readonly PacingClock _clock;
    private readonly int _maxOutstanding;
    private readonly Func<Exception, LoadErrorKey> _classify;

    /// <summary>Failures by kind: count and the timestamp of the first (under <see cref="_lock"/>).</summary>
    private readonly Dictionary<LoadErrorKey, (long Count, long FirstTimestamp)> _errors = [];

    /// <summary>Latencies of failed calls (under <see cref="_lock"/>).</summary>
    private readonly LongHistogram _failedHistogram = new(1, LoadRunner.HighestTrackableMicros, LoadRunner.SignificantDigits);

    /// <summary>Intended time of the first call not sent, or <see cref="long.MinValue"/>.</summary>
    private long _firstNotSent = long.MinValue;
    private readonly CancellationTokenSource _callCancellation = new();
    private readonly Recorder _recorder = new(1, LoadRunner.HighestTrackableMicros, LoadRunner.SignificantDigits, (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));
    private readonly List<CompactInterval> _intervals = [];
    private DateTimeOffset _startUtc;
    private long _intervalStart;
    private long _completedAtLastInterval;
    private long _sent;
    private long _completed;
    private long _failed;
    private long _notSent;
    private long _outstanding;
    private bool _closed;

    public LoadPhase(Func<CancellationToken, ValueTask> call, PacingClock clock, int maxOutstanding, Func<Exception, LoadErrorKey> classify)
    {
        _call = call;
        _clock = clock;
        _maxOutstanding = maxOutstanding;
        _classify = classify;
    }

    public long Start { get; private set; }

    public long IntervalStart => _intervalStart;

    public LongHistogram Total { get; } = new(1, LoadRunner.HighestTrackableMicros, LoadRunner.SignificantDigits);

    public IReadOnlyList<CompactInterval> Intervals => _intervals;

    public void Begin(long start, DateTimeOffset startUtc)
    {
        Start = start;
        _intervalStart = start;
        _startUtc = startUtc;
    }

    /// <summary>Open loop: starts the call intended at <paramref name="intended"/> without waiting for it.</summary>
    public void DispatchScheduled(long intended, long index)
    {
        if (Volatile.Read(ref _outstanding) >= _maxOutstanding)
        {
            Interlocked.Increment(ref _notSent);
            Interlocked.CompareExchange(ref _firstNotSent, intended, long.MinValue);
            return;
        }

        Interlocked.Increment(ref _outstanding);
        Interlocked.Increment(ref _sent);
        ValueTask task;
        try
        {
            task = _call(_callCancellation.Token);
        }
        catch (Exception ex)
        {
            Complete(intended, ex);
            return;
        }

        if (task.IsCompleted)
        {
            Complete(intended, Observe(task));
        }
        else
        {
            _ = AwaitThenCompleteAsync(task, intended);
        }
    }

    /// <summary>Closed loop: one caller (starting at <paramref name="notBefore"/>), each call timed from its actual start.</summary>
    public async Task CallBackToBackAsync(long notBefore, CancellationToken stop)
    {
        var wait = _clock.ToMicroseconds(notBefore - _clock.GetTimestamp());
        if (wait > 0)
        {
            try
            {
                await _clock.DelayAsync(TimeSpan.FromMicroseconds(wait), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return; // the phase ended before this caller's turn in the ramp
            }
        }

        while (!stop.IsCancellationRequested)
        {
            Interlocked.Increment(ref _outstanding);
            Interlocked.Increment(ref _sent);
            var started = _clock.GetTimestamp();
            Exception? error = null;
            try
            {
                // The stop token only ends the loop; a started call runs to its end (or the drain timeout).
                await _call(_callCancellation.Token).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                error = ex;
            }

            Complete(started, error);
        }
    }

    public async Task<bool> WaitDrainedAsync(Task callersDone, TimeSpan timeout)
    {
        var deadline = _clock.GetTimestamp() + _clock.ToTicks(timeout);
        while (Volatile.Read(ref _outstanding) > 0 || !callersDone.IsCompleted)
        {
            if (_clock.GetTimestamp() >= deadline)
            {
                return false;
            }

            await _clock.DelayAsync(DrainPollInterval, CancellationToken.None).ConfigureAwait(false);
        }

        return true;
    }

    public Task CancelCallsAsync() => _callCancellation.CancelAsync();

    /// <summary>Stops counting: calls still in flight are abandoned (errors).</summary>
    public PhaseCounts Close()
    {
        lock (_lock)
        {
            _closed = true;
            var notSent = Interlocked.Read(ref _notSent);
            var abandoned = Interlocked.Read(ref _outstanding);
            var errors = _errors
                .Select(e => new LoadErrorCount(e.Key, e.Value.Count, _clock.ToMicroseconds(e.Value.FirstTimestamp - Start)))
                .ToList();
            if (notSent > 0)
            {
                errors.Add(new LoadErrorCount(LoadErrorKey.NotSent, notSent, _clock.ToMicroseconds(Interlocked.Read(ref _firstNotSent) - Start)));
            }

            if (abandoned > 0)
            {
                errors.Add(new LoadErrorCount(LoadErrorKey.Abandoned, abandoned, null));
            }

            errors.Sort((a, b) => b.Count != a.Count ? b.Count.CompareTo(a.Count) : string.CompareOrdinal(a.Key.ToString(), b.Key.ToString()));
            return new PhaseCounts(Interlocked.Read(ref _sent), _completed, _failed, notSent, abandoned, errors, _failedHistogram);
        }
    }

    /// <summary>Moves what was recorded since the last interval into a new interval histogram ending at
    /// <paramref name="end"/>; returns the number of successful calls in it.</summary>
    public long TakeInterval(long end)
    {
        var interval = _recorder.GetIntervalHistogram();
        interval.StartTimeStamp = ToUnixMilliseconds(_intervalStart);

        // Never a negative length: the log format has no sign for it, and HistogramLogReader cannot parse one.
        interval.EndTimeStamp = Math.Max(interval.StartTimeStamp, ToUnixMilliseconds(end));
        _intervalStart = Math.Max(_intervalStart, end);
        lock (_lock)
        {
            _intervals.Add(new CompactInterval(interval));
            Total.Add(interval);
        }

        var completed = Interlocked.Read(ref _completed);
        var inInterval = completed - _completedAtLastInterval;
        _completedAtLastInterval = completed;
        return inInterval;
    }

    public LoadProgress Snapshot(string phase, double intervalRate)
    {
        lock (_lock)
        {
            var elapsed = TimeSpan.FromSeconds((_clock.GetTimestamp() - Start) / (double)_clock.Frequency);
            return new LoadProgress(phase, elapsed, Interlocked.Read(ref _sent), _completed, _failed + Interlocked.Read(ref _notSent),
                Interlocked.Read(ref _outstanding), intervalRate, Total.TotalCount == 0 ? 0 : Total.GetValueAtPercentile(99));
        }
    }

    public void Dispose() => _callCancellation.Dispose();

    /// <summary>Records a finished call: its latency in the success or the failure histogram, and a failure's kind.</summary>
    private void Complete(long startTimestamp, Exception? error)
    {
        var now = _clock.GetTimestamp();
        var micros = Math.Clamp((long)_clock.ToMicroseconds(now - startTimestamp), 1, LoadRunner.HighestTrackableMicros);
        var key = error is null ? default : SafeClassify(error);
        lock (_lock)
        {
            if (_closed)
            {
                return;
            }

            if (error is null)
            {
                _recorder.RecordValue(micros);
                _completed++;
            }
            else
            {
                _failed++;
                _failedHistogram.RecordValue(micros);
                _errors[key] = _errors.TryGetValue(key, out var seen) ? (seen.Count + 1, seen.FirstTimestamp) : (1, now);
            }

            Interlocked.Decrement(ref _outstanding);
        }
    }

    private LoadErrorKey SafeClassify(Exception error)
    {
        try
        {
            return _classify(error);
        }
        catch (Exception)
        {
            return LoadErrorKey.FromType(error); // a classifier that throws must not lose the count
        }
    }

    private async Task AwaitThenCompleteAsync(ValueTask task, long intended)
    {
        Exception? error = null;
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            error = ex;
        }

        Complete(intended, error);
    }

    private static Exception? Observe(ValueTask task)
    {
        try
        {
            task.GetAwaiter().GetResult();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private long ToUnixMilliseconds(long timestamp)
        => _startUtc.ToUnixTimeMilliseconds() + (long)Math.Round(_clock.ToMicroseconds(timestamp - Start) / 1000);
}
