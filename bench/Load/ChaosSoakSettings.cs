namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>Settings of a chaos soak (<c>load --chaos</c>).</summary>
public sealed class ChaosSoakSettings
{
    /// <summary>The default <see cref="Rate"/>.</summary>
    public const double DefaultRate = 300;

    /// <summary>The default <see cref="Retries"/>.</summary>
    public const int DefaultRetries = 3;

    /// <summary>The default <see cref="Timeout"/>.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Open-loop calls per second.</summary>
    /// <value>The default value is 300.</value>
    public double Rate { get; init; } = DefaultRate;

    /// <summary>The chaos window (faults on, RSS sampled).</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A fault-free warm-up at the same rate; the thread and socket baselines are taken at its end.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Client workers.</summary>
    /// <value>The default value is 64.</value>
    public int Workers { get; init; } = 64;

    /// <summary>Per-call deadline.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Client retries per call (the retry budget caps them overall).</summary>
    /// <value>The default value is 3.</value>
    public int Retries { get; init; } = DefaultRetries;

    /// <summary>Seed of the fault schedule and of the service's randomness.</summary>
    /// <value>The default value is 1.</value>
    public int Seed { get; init; } = 1;

    /// <summary>The faults drawn from.</summary>
    /// <value>The default value is <see cref="ChaosFaultKinds.All"/>.</value>
    public ChaosFaultKinds Faults { get; init; } = ChaosFaultKinds.All;

    /// <summary>Every n-th call (ids 0, n, 2n…) is sent non-idempotent.</summary>
    /// <value>The default value is 4.</value>
    public int NonIdempotentEvery { get; init; } = 4;

    /// <summary>RSS plateau: the mean of the last third of the samples may exceed that of the middle third by this
    /// share (plus <see cref="RssSlackBytes"/>).</summary>
    /// <value>The default value is 0.15.</value>
    public double RssTolerance { get; init; } = 0.15;

    /// <summary>Absolute slack of the RSS plateau check (GC heap sizing moves RSS by a few MiB either way).</summary>
    /// <value>The default value is 16 MiB.</value>
    public long RssSlackBytes { get; init; } = 16L << 20;

    /// <summary>Threads allowed above the baseline once the run has settled (timers, the pacer's exit).</summary>
    /// <value>The default value is 4.</value>
    public int ThreadSlack { get; init; } = 4;

    /// <summary>Connections allowed above the baseline once the run has settled, and on the service side above the
    /// client's count. The pool may legitimately hold one more than at the baseline instant (the session's standalone
    /// GET stream reconnecting, a connection replacing a reset one while another was idle); idle connections close
    /// only after the pool's 60 s idle timeout, longer than a CI settle. A leak grows past it.</summary>
    /// <value>The default value is 1.</value>
    public int SocketSlack { get; init; } = 1;

    /// <summary>How long after the run the thread and socket counts may take to return to their baselines.</summary>
    /// <value>The default value is 30 seconds (the thread pool retires idle threads after about 20 s).</value>
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Directory for <c>&lt;UTC yyyyMMdd-HHmmss&gt;-chaos.{md,json}</c>; null writes nothing.</summary>
    public string? OutputDirectory { get; init; } = "perf-results";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Rate) || Rate is <= 0 or > 100_000)
        {
            throw new ArgumentException("The chaos rate must be between 0 (exclusive) and 100,000 calls/s.");
        }

        if (Duration < TimeSpan.FromSeconds(3) || Warmup < TimeSpan.Zero || Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("The chaos window must be at least 3 s, the warmup not negative, the timeout positive.");
        }

        if (Rate * (Duration + Warmup).TotalSeconds > 50_000_000)
        {
            throw new ArgumentException("A chaos soak is limited to 50 million calls (rate × (warmup + duration)).");
        }

        if (Workers is < 1 or > 1024 || Retries is < 0 or > 10 || NonIdempotentEvery < 1)
        {
            throw new ArgumentException("Workers must be 1-1024, retries 0-10, the non-idempotent period at least 1.");
        }

        if (RssTolerance < 0 || RssSlackBytes < 0 || ThreadSlack < 0 || SocketSlack < 0 || SettleTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException("Tolerances and the settle timeout must not be negative.");
        }
    }
}
