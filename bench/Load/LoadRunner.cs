using HdrHistogram;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>
/// Drives a call delegate open loop (constant arrival rate, latency from the intended send time, as wrk2) or closed
/// loop (C callers back to back), records latencies of successful calls in an HdrHistogram split in intervals, those of
/// failed calls in a histogram of their own, counts failures by kind (<see cref="ClassifyError"/>), and reports
/// progress once per interval. Knows nothing of MCP or HTTP: the target is a
/// <c>Func&lt;CancellationToken, ValueTask&gt;</c> that throws on failure.
/// </summary>
/// <remarks>
/// A warmup phase with the same load (ramped up over <see cref="LoadRunOptions.Ramp"/>, if set) runs first and is discarded; calls still in flight when it ends are drained
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

    /// <summary>Names the kind of a failure for the error breakdown; <see cref="LoadErrorKey.FromType"/> when null.</summary>
    public Func<Exception, LoadErrorKey>? ClassifyError { get; init; }

    /// <summary>Runs the warmup, then the measured window. Cancellation ends the window early; the result still
    /// describes what ran (with <see cref="LoadResult.Cancelled"/> set).</summary>
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        if (_options.Warmup > TimeSpan.Zero)
        {
            await RunPhaseAsync("warmup", _options.Warmup, _options.Ramp, cancellationToken).ConfigureAwait(false);
        }

        MeasurementStarting?.Invoke();
        return await RunPhaseAsync("measure", _options.Duration, TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
    }

    private async Task<LoadResult> RunPhaseAsync(string name, TimeSpan window, TimeSpan ramp, CancellationToken cancellationToken)
    {
        using var phase = new LoadPhase(_call, _clock, _options.MaxOutstanding, ClassifyError ?? LoadErrorKey.FromType);
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
            var schedule = new LoadSchedule(rate, _clock.Frequency, _clock.ToTicks(ramp));
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
                // A ramp starts the callers one by one, evenly over its length.
                var startAfter = ramp * ((double)i / callers.Length);
                callers[i] = Task.Run(() => phase.CallBackToBackAsync(start + _clock.ToTicks(startAfter), stop.Token), CancellationToken.None);
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
            ErrorCounts = counts.Errors,
            FailedHistogram = counts.FailedHistogram,
            MaxSendLagMicros = _clock.ToMicroseconds(pacing.MaxLagTicks),
            Cancelled = cancelled,
            Histogram = phase.Total,
            Intervals = phase.Intervals,
        };
    }

    private async Task SampleAsync(LoadPhase phase, string name, CancellationToken stop)
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
}
