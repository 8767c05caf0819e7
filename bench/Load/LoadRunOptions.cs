namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>How calls are generated.</summary>
public enum LoadMode
{
    /// <summary>Constant arrival rate; latency from each call's intended send time.</summary>
    OpenLoop,

    /// <summary>A fixed number of callers, each sending its next call when the previous one ends.</summary>
    ClosedLoop,
}

/// <summary>Settings of one load run (the engine's, independent of the command line).</summary>
public sealed class LoadRunOptions
{
    /// <summary>Calls per second (open loop). Exactly one of <see cref="Rate"/> and <see cref="Concurrency"/> is set.</summary>
    public double? Rate { get; init; }

    /// <summary>Number of callers (closed loop).</summary>
    public int? Concurrency { get; init; }

    /// <summary>The measured window.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time spent generating the same load before measuring; its calls are not recorded.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How the warmup ramps up: over this length from its start, open loop raises the rate linearly from 0 to
    /// <see cref="Rate"/>, closed loop starts its callers one by one; then the load is steady. Not longer than
    /// <see cref="Warmup"/>.
    /// </summary>
    /// <value>The default value is zero (no ramp: full load from the first instant).</value>
    public TimeSpan Ramp { get; init; }

    /// <summary>Open loop: the most calls in flight at once; a due call beyond it is not sent and counts as an error.</summary>
    /// <value>The default value is 10,000.</value>
    public int MaxOutstanding { get; init; } = 10_000;

    /// <summary>Length of each interval histogram (the <c>.hlog</c> granularity) and of the progress tick.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After the window, how long calls still in flight may take before they are cancelled and counted as errors.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The mode implied by which of <see cref="Rate"/> and <see cref="Concurrency"/> is set.</summary>
    public LoadMode Mode => Rate is not null ? LoadMode.OpenLoop : LoadMode.ClosedLoop;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Rate is null == Concurrency is null)
        {
            throw new ArgumentException("Set exactly one of Rate (open loop) and Concurrency (closed loop).");
        }

        if (Rate is { } rate && (!double.IsFinite(rate) || rate <= 0 || rate > 1_000_000))
        {
            throw new ArgumentException("Rate must be between 0 (exclusive) and 1,000,000 calls/s.");
        }

        if (Concurrency is { } concurrency && concurrency is < 1 or > 100_000)
        {
            throw new ArgumentException("Concurrency must be between 1 and 100,000.");
        }

        if (Duration <= TimeSpan.Zero)
        {
            throw new ArgumentException("Duration must be positive.");
        }

        if (Warmup < TimeSpan.Zero)
        {
            throw new ArgumentException("Warmup must not be negative.");
        }

        if (Ramp < TimeSpan.Zero || Ramp > Warmup)
        {
            throw new ArgumentException("Ramp must not be negative nor longer than the warmup.");
        }

        if (MaxOutstanding < 1)
        {
            throw new ArgumentException("MaxOutstanding must be at least 1.");
        }

        if (Interval < TimeSpan.FromMilliseconds(10) || DrainTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException("Interval must be at least 10 ms and DrainTimeout not negative.");
        }
    }
}

/// <summary>A progress tick: counters of the current phase so far.</summary>
/// <param name="Phase"><c>warmup</c> or <c>measure</c>.</param>
/// <param name="Elapsed">Time since the phase began.</param>
/// <param name="Sent">Calls started.</param>
/// <param name="Completed">Calls that succeeded.</param>
/// <param name="Errors">Calls that failed, plus calls that could not be sent.</param>
/// <param name="Outstanding">Calls in flight now.</param>
/// <param name="IntervalRate">Successful calls per second over the last interval.</param>
/// <param name="P99Micros">p99 latency of the phase so far, in microseconds.</param>
public sealed record LoadProgress(string Phase, TimeSpan Elapsed, long Sent, long Completed, long Errors, long Outstanding, double IntervalRate, double P99Micros);
