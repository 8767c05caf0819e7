using HdrHistogram;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>
/// What one measured window produced. Counts obey <c>Scheduled = Sent + NotSent</c> and
/// <c>Sent = Completed + Failed + Abandoned</c>; <see cref="Errors"/> is everything that did not succeed.
/// </summary>
public sealed class LoadResult
{
    /// <summary>Open or closed loop.</summary>
    public required LoadMode Mode { get; init; }

    /// <summary>Calls per second asked for (open loop), else <see langword="null"/>.</summary>
    public double? Rate { get; init; }

    /// <summary>Callers (closed loop), else <see langword="null"/>.</summary>
    public int? Concurrency { get; init; }

    /// <summary>The measured window (shorter than asked for only when the run was cancelled).</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>The warmup that preceded it.</summary>
    public required TimeSpan Warmup { get; init; }

    /// <summary>UTC time the measured window began.</summary>
    public required DateTimeOffset StartUtc { get; init; }

    /// <summary>Calls due in the window: open loop, those the schedule placed in it; closed loop, those sent.</summary>
    public required long Scheduled { get; init; }

    /// <summary>Calls started.</summary>
    public required long Sent { get; init; }

    /// <summary>Calls that succeeded (the ones whose latency is in <see cref="Histogram"/>).</summary>
    public required long Completed { get; init; }

    /// <summary>Calls that ended in an exception (error status, timeout, connection failure, …).</summary>
    public required long Failed { get; init; }

    /// <summary>Open loop: due calls not sent because <see cref="LoadRunOptions.MaxOutstanding"/> were in flight.</summary>
    public required long NotSent { get; init; }

    /// <summary>Calls still unfinished after the drain timeout and the cancellation that followed it.</summary>
    public required long Abandoned { get; init; }

    /// <summary>Open loop: how late the pacer dispatched its latest call (0 in closed loop).</summary>
    public required double MaxSendLagMicros { get; init; }

    /// <summary>True when the run was cancelled before its window ended.</summary>
    public bool Cancelled { get; init; }

    /// <summary>Latencies of successful calls, in microseconds (open loop: from the intended send time).</summary>
    public required LongHistogram Histogram { get; init; }

    /// <summary>Latencies of failed calls (sent and ended in an exception), in microseconds, apart from the
    /// successes: a refusal in 1 ms and a timeout at 5 s are both errors, but not the same experience.</summary>
    public required LongHistogram FailedHistogram { get; init; }

    /// <summary>Every error by kind and HTTP status (including <c>NotSent</c> and <c>Abandoned</c>), most frequent
    /// first; their counts add up to <see cref="Errors"/>.</summary>
    public required IReadOnlyList<LoadErrorCount> ErrorCounts { get; init; }

    /// <summary>The same latencies split in consecutive intervals, each with its start and end time stamps.</summary>
    public required IReadOnlyList<CompactInterval> Intervals { get; init; }

    /// <summary>Failed + not sent + abandoned.</summary>
    public long Errors => Failed + NotSent + Abandoned;

    /// <summary><see cref="Errors"/> / <see cref="Scheduled"/> (0 when nothing was scheduled).</summary>
    public double ErrorRate => Scheduled == 0 ? 0 : (double)Errors / Scheduled;

    /// <summary>Successful calls per second of the window.</summary>
    public double AchievedRate => Completed / Duration.TotalSeconds;

    /// <summary>The largest latency recorded, in microseconds (0 with no successful call).</summary>
    public double MaxMicros => Histogram.TotalCount == 0 ? 0 : Histogram.GetMaxValue();

    /// <summary>The latency at <paramref name="percentile"/> (0–100) in microseconds; 0 with no successful call.</summary>
    public double PercentileMicros(double percentile) => Histogram.TotalCount == 0 ? 0 : Histogram.GetValueAtPercentile(percentile);

    /// <summary>The latency of failed calls at <paramref name="percentile"/> (0–100) in microseconds; 0 with none.</summary>
    public double FailedPercentileMicros(double percentile) => FailedHistogram.TotalCount == 0 ? 0 : FailedHistogram.GetValueAtPercentile(percentile);

    /// <summary>The largest latency of a failed call, in microseconds (0 with none).</summary>
    public double FailedMaxMicros => FailedHistogram.TotalCount == 0 ? 0 : FailedHistogram.GetMaxValue();
}
