namespace Cortex.Mcp.Fast;

/// <summary>
/// Retry and backoff settings. Setters validate each value at once; <see cref="McpServiceOptions.Validate"/> (run
/// when the client is built) also checks that <see cref="MaxDelay"/> is not below <see cref="BaseDelay"/>.
/// </summary>
/// <remarks>
/// Retry <c>n</c> (0-based) waits <c>min(MaxDelay, BaseDelay × 2^n × (1 ± JitterFactor))</c>: with the defaults
/// about 0.1, 0.2 and 0.4 s, each ±20 % like gRPC's connection backoff. A server's <c>Retry-After</c> longer than
/// that wins, and no delay may pass the call's deadline (<see cref="McpServiceOptions.CallTimeout"/>).
/// </remarks>
public sealed class RetryOptions
{
    /// <summary>Default of <see cref="MaxRetries"/>.</summary>
    internal const int DefaultMaxRetries = 3;

    /// <summary>Upper limit of <see cref="MaxRetries"/>.</summary>
    internal const int MaxMaxRetries = 100;

    /// <summary>Default of <see cref="JitterFactor"/> (gRPC's ±0.2).</summary>
    internal const double DefaultJitterFactor = 0.2;

    /// <summary>Default of <see cref="BaseDelay"/>.</summary>
    internal static readonly TimeSpan DefaultBaseDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Default of <see cref="MaxDelay"/>.</summary>
    internal static readonly TimeSpan DefaultMaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>Largest <see cref="BaseDelay"/> and <see cref="MaxDelay"/>.</summary>
    internal static readonly TimeSpan MaxAllowedDelay = TimeSpan.FromDays(1);

    /// <summary>Backing field of <see cref="MaxRetries"/>.</summary>
    private int _maxRetries = DefaultMaxRetries;

    /// <summary>Backing field of <see cref="BaseDelay"/>.</summary>
    private TimeSpan _baseDelay = DefaultBaseDelay;

    /// <summary>Backing field of <see cref="MaxDelay"/>.</summary>
    private TimeSpan _maxDelay = DefaultMaxDelay;

    /// <summary>Backing field of <see cref="JitterFactor"/>.</summary>
    private double _jitterFactor = DefaultJitterFactor;

    /// <summary>No retries: one attempt only. A new instance each time.</summary>
    public static RetryOptions NoRetry => new() { MaxRetries = 0 };

    /// <summary>Retries after the first attempt; 0 means one attempt only.</summary>
    /// <value>The default value is 3. Must lie between 0 and 100.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 0 to 100.</exception>
    public int MaxRetries
    {
        get => _maxRetries;
        set => _maxRetries = OptionRules.InRange(value, 0, MaxMaxRetries, nameof(MaxRetries));
    }

    /// <summary>The delay before the first retry, before jitter; doubled for each later retry.</summary>
    /// <value>The default value is 100 ms. Must lie between 0 and 1 day.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 0 to 1 day.</exception>
    public TimeSpan BaseDelay
    {
        get => _baseDelay;
        set => _baseDelay = OptionRules.InRange(value, TimeSpan.Zero, MaxAllowedDelay, nameof(BaseDelay), "0 and 1 day");
    }

    /// <summary>The cap on a computed backoff, jitter included. A longer <c>Retry-After</c> is still honoured.</summary>
    /// <value>The default value is 10 seconds. Must lie between 0 and 1 day, and not below <see cref="BaseDelay"/>
    /// (checked when the client is built).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 0 to 1 day.</exception>
    public TimeSpan MaxDelay
    {
        get => _maxDelay;
        set => _maxDelay = OptionRules.InRange(value, TimeSpan.Zero, MaxAllowedDelay, nameof(MaxDelay), "0 and 1 day");
    }

    /// <summary>Relative spread of each delay: the exponential value is multiplied by a factor drawn uniformly from
    /// <c>[1 − JitterFactor, 1 + JitterFactor]</c>, so that clients that failed together do not retry together.</summary>
    /// <value>The default value is 0.2 (gRPC's ±20 %). Must lie between 0 (no jitter) and 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 0 to 1.</exception>
    public double JitterFactor
    {
        get => _jitterFactor;
        set => _jitterFactor = OptionRules.InRange(value, 0d, 1d, nameof(JitterFactor));
    }

    /// <summary>Checks every value and their relation.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range, or <see cref="MaxDelay"/> is below
    /// <see cref="BaseDelay"/>.</exception>
    internal void Validate()
    {
        MaxRetries = _maxRetries;
        BaseDelay = _baseDelay;
        MaxDelay = _maxDelay;
        JitterFactor = _jitterFactor;
        if (_maxDelay < _baseDelay)
        {
            throw OptionRules.OutOfRange(nameof(MaxDelay), _maxDelay, "MaxDelay must not be less than BaseDelay.");
        }
    }

    /// <summary>A copy for a service's snapshot of its settings.</summary>
    internal RetryOptions Clone() => (RetryOptions)MemberwiseClone();
}
