using HdrHistogram;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>
/// Drives a call delegate open loop (constant arrival rate, latency from the intended send time, as wrk2) or closed
/// loop (C callers back to back), records latencies of successful calls in an HdrHistogram split in intervals, and
/// reports progress once per interval. Knows nothing of MCP or HTTP: the target is a
/// <c>Func&lt;CancellationToken, ValueTask&gt;</c> that throws on failure.
/// </summary>
/// <remarks>
/// A warmup phase with the same load runs first and is discarded; calls still in flight when it ends are drained
/// (up to <see cref="LoadRunOptions.DrainTimeout"/>) before the measured window starts. The same happens after the
/// window: the calls sent inside it are waited for, and those that never end are cancelled and counted as errors.
/// One instance runs once.
/// </remarks>
public sealed class LoadRunner
{
    /// <summary>Latencies above one hour are recorded as one hour.</summary>
    public const long HighestTrackableMicros = 3_600_000_000;

    /// <summary>Significant digits of every histogram.</summary>
    public const int SignificantDigits = 3;

    private readonly Func<CancellationToken, ValueTask> _call;
    private readonly LoadRunOptions _options;
    private readonly PacingClock _clock;
    private readonly TimeProvider _timeProvider;

    /// <param name="call">One call; throws on failure. Must start quickly (the open-loop pacer calls it inline).</param>
    /// <param name="options">The run's settings (validated here).</param>
    /// <param name="clock">The clock to pace and time with; <see cref="PacingClock.System"/> when null.</param>
    /// <param name="timeProvider">Wall-clock time for the UTC time stamps; <see cref="TimeProvider.System"/> when null.</param>
    public LoadRunner(Func<CancellationToken, ValueTask> call, LoadRunOptions options, PacingClock? clock = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _call = call;
        _options = options;
        _clock = clock ?? PacingClock.System;
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Called once per interval (and once at the end of each phase) from a timer thread.</summary>
    public Action<LoadProgress>? Progress { get; init; }

    /// <summary>Called just before the measured window starts (after the warmup has drained).</summary>
    public Action? MeasurementStarting { get; init; }

    /// <summary>Runs the warmup, then the measured window. Cancellation ends the window early; the result still
    /// describes what ran (with <see cref="LoadResult.Cancelled"/> set).</summary>
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        if (_options.Warmup > TimeSpan.Zero)
        {
            await RunPhaseAsync("warmup", _options.Warmup, cancellationToken).ConfigureAwait(false);
        }

        MeasurementStarting?.Invoke();
        return await RunPhaseAsync("measure", _options.Duration, cancellationToken).ConfigureAwait(false);
    }

    private async Task<LoadResult> RunPhaseAsync(string name, TimeSpan window, CancellationToken cancellationToken)
    {
        using var phase = new Phase(_call, _clock, _options.MaxOutstanding);
        var startUtc = _timeProvider.GetUtcNow();
        var start = _clock.GetTimestamp();
        phase.Begin(start, startUtc);
        using var samplerStop = new CancellationTokenSource();
        var sampler = SampleAsync(phase, name, samplerStop.Token);

        PacingResult pacing = default;
        long scheduled;
        Task callersDone;
        if (_options.Rate is { } rate)
        {
            var schedule = new LoadSchedule(rate, _clock.Frequency);
            var total = schedule.CountWithin(_clock.ToTicks(window));
            pacing = await RunOnDedicatedThreadAsync(() => OpenLoopPacer.Run(schedule, total, _clock, start, phase.DispatchScheduled, cancellationToken)).ConfigureAwait(false);
            scheduled = pacing.Dispatched;
            callersDone = Task.CompletedTask;
        }
        else
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var callers = new Task[_options.Concurrency!.Value];
            for (var i = 0; i < callers.Length; i++)
            {
                callers[i] = Task.Run(() => phase.CallBackToBackAsync(stop.Token), CancellationToken.None);
            }

            try
            {
                await Task.Delay(window, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Cancelled: end the window now and report what ran.
            }

            await stop.CancelAsync().ConfigureAwait(false);
            scheduled = -1;
            callersDone = Task.WhenAll(callers);
        }

        var windowEnd = _clock.GetTimestamp();
        if (!await phase.WaitDrainedAsync(callersDone, _options.DrainTimeout).ConfigureAwait(false))
        {
            await phase.CancelCallsAsync().ConfigureAwait(false);
            await phase.WaitDrainedAsync(callersDone, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        }

        var counts = phase.Close();
        await samplerStop.CancelAsync().ConfigureAwait(false);
        await sampler.ConfigureAwait(false);
        var finalStart = phase.IntervalStart;
        var finalEnd = _clock.GetTimestamp();
        var finalCount = phase.TakeInterval(finalEnd);
        var finalSeconds = (finalEnd - finalStart) / (double)_clock.Frequency;
        Progress?.Invoke(phase.Snapshot(name, finalSeconds > 0.001 ? finalCount / finalSeconds : 0));

        var cancelled = cancellationToken.IsCancellationRequested;
        var measured = TimeSpan.FromSeconds((windowEnd - start) / (double)_clock.Frequency);
        return new LoadResult
        {
            Mode = _options.Mode,
            Rate = _options.Rate,
            Concurrency = _options.Concurrency,
            Duration = cancelled && measured < window ? measured : window,
            Warmup = _options.Warmup,
            StartUtc = startUtc,
            Scheduled = scheduled >= 0 ? scheduled : counts.Sent,
            Sent = counts.Sent,
            Completed = counts.Completed,
            Failed = counts.Failed,
            NotSent = counts.NotSent,
            Abandoned = counts.Abandoned,
            MaxSendLagMicros = _clock.ToMicroseconds(pacing.MaxLagTicks),
            Cancelled = cancelled,
            Histogram = phase.Total,
            Intervals = phase.Intervals,
        };
    }

    private async Task SampleAsync(Phase phase, string name, CancellationToken stop)
    {
        var intervalTicks = _clock.ToTicks(_options.Interval);
        var next = phase.Start + intervalTicks;
        while (!stop.IsCancellationRequested)
        {
            var waitMicros = _clock.ToMicroseconds(next - _clock.GetTimestamp());
            if (waitMicros > 0)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMicroseconds(waitMicros), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            var completedInInterval = phase.TakeInterval(next);
            Progress?.Invoke(phase.Snapshot(name, completedInInterval / _options.Interval.TotalSeconds));
            next += intervalTicks;
        }
    }

    private static Task<PacingResult> RunOnDedicatedThreadAsync(Func<PacingResult> body)
    {
        var done = new TaskCompletionSource<PacingResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(body());
            }
            catch (Exception ex)
            {
                done.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "load-pacer",
        };
        thread.Start();
        return done.Task;
    }

    /// <summary>Counters at the end of a phase.</summary>
    private readonly record struct PhaseCounts(long Sent, long Completed, long Failed, long NotSent, long Abandoned);

    /// <summary>
    /// One phase's state. Dispatch counts with <see cref="Interlocked"/>; completions take <see cref="_lock"/> so
    /// that <see cref="Close"/> sees an exact split between finished and abandoned calls (a completion after the
    /// close is ignored, never counted twice).
    /// </summary>
    private sealed class Phase : IDisposable
    {
        /// <summary>How often <see cref="WaitDrainedAsync"/> looks whether the calls in flight have ended.</summary>
        private static readonly TimeSpan DrainPollInterval = TimeSpan.FromMilliseconds(5);

        private readonly Lock _lock = new();
        private readonly Func<CancellationToken, ValueTask> _call;
        private readonly PacingClock _clock;
        private readonly int _maxOutstanding;
        private readonly CancellationTokenSource _callCancellation = new();
        private readonly Recorder _recorder = new(1, HighestTrackableMicros, SignificantDigits, (id, low, high, digits) => new LongConcurrentHistogram(id, low, high, digits));
        private readonly List<HistogramBase> _intervals = [];
        private DateTimeOffset _startUtc;
        private long _intervalStart;
        private long _completedAtLastInterval;
        private long _sent;
        private long _completed;
        private long _failed;
        private long _notSent;
        private long _outstanding;
        private bool _closed;

        public Phase(Func<CancellationToken, ValueTask> call, PacingClock clock, int maxOutstanding)
        {
            _call = call;
            _clock = clock;
            _maxOutstanding = maxOutstanding;
        }

        public long Start { get; private set; }

        public long IntervalStart => _intervalStart;

        public LongHistogram Total { get; } = new(1, HighestTrackableMicros, SignificantDigits);

        public IReadOnlyList<HistogramBase> Intervals => _intervals;

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
                return;
            }

            Interlocked.Increment(ref _outstanding);
            Interlocked.Increment(ref _sent);
            ValueTask task;
            try
            {
                task = _call(_callCancellation.Token);
            }
            catch (Exception)
            {
                Complete(intended, success: false);
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

        /// <summary>Closed loop: one caller, each call timed from its actual start.</summary>
        public async Task CallBackToBackAsync(CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref _outstanding);
                Interlocked.Increment(ref _sent);
                var started = _clock.GetTimestamp();
                bool success;
                try
                {
                    // The stop token only ends the loop; a started call runs to its end (or the drain timeout).
                    await _call(_callCancellation.Token).ConfigureAwait(false);
                    success = true;
                }
                catch (Exception)
                {
                    success = false;
                }

                Complete(started, success);
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
                return new PhaseCounts(Interlocked.Read(ref _sent), _completed, _failed, Interlocked.Read(ref _notSent), Interlocked.Read(ref _outstanding));
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
                _intervals.Add(interval);
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

        private void Complete(long startTimestamp, bool success)
        {
            var micros = (long)_clock.ToMicroseconds(_clock.GetTimestamp() - startTimestamp);
            lock (_lock)
            {
                if (_closed)
                {
                    return;
                }

                if (success)
                {
                    _recorder.RecordValue(Math.Clamp(micros, 1, HighestTrackableMicros));
                    _completed++;
                }
                else
                {
                    _failed++;
                }

                Interlocked.Decrement(ref _outstanding);
            }
        }

        private async Task AwaitThenCompleteAsync(ValueTask task, long intended)
        {
            bool success;
            try
            {
                await task.ConfigureAwait(false);
                success = true;
            }
            catch (Exception)
            {
                success = false;
            }

            Complete(intended, success);
        }

        private static bool Observe(ValueTask task)
        {
            try
            {
                task.GetAwaiter().GetResult();
                return true;
            }
            catch (Exception)
            {
                return false;
            }
        }

        private long ToUnixMilliseconds(long timestamp)
            => _startUtc.ToUnixTimeMilliseconds() + (long)Math.Round(_clock.ToMicroseconds(timestamp - Start) / 1000);
    }
}
