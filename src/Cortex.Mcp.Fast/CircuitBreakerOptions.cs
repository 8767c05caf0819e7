namespace Cortex.Mcp.Fast;

/// <summary>
/// Settings of a service's circuit breaker, which fails calls fast with <see cref="CircuitOpenException"/> while
/// the service looks down: Closed → Open after too many failures, Open → HalfOpen once <see cref="BreakDuration"/>
/// has passed, then one probe call closes or re-opens it. Setters validate at once; the values are copied when a
/// service starts, so changing an options object later does not affect services already running.
/// </summary>
/// <remarks>
/// Two modes. <b>Consecutive-failure mode</b> (the default, <see cref="FailureRatio"/> is <see langword="null"/>):
/// the circuit opens after <see cref="FailureThreshold"/> failures in a row, which suits the low-traffic services
/// a ratio never sees enough calls from (Polly v7, Envoy's <c>consecutive_5xx</c>).
/// <b>Failure-ratio mode</b> (<see cref="FailureRatio"/> set): the circuit opens when, within the last
/// <see cref="SamplingDuration"/>, at least <see cref="MinimumThroughput"/> calls finished and the share of failures
/// is at least <see cref="FailureRatio"/> (Polly v8's test, with <c>&gt;=</c>).
/// <para>To watch a breaker, read <see cref="Diagnostics.ServiceDiagnostics.CircuitState"/> from
/// <see cref="NetworkMcpClient.GetDiagnostics"/>, or listen to the <c>mcp.client.breaker.transitions</c> counter of
/// the <see cref="Diagnostics.McpTelemetry"/> meter (tagged with the service and the state entered); every change is
/// also logged.</para>
/// </remarks>
public sealed class CircuitBreakerOptions
{
    /// <summary>Default of <see cref="FailureThreshold"/>.</summary>
    internal const int DefaultFailureThreshold = 5;

    /// <summary>Polly's default of <see cref="MinimumThroughput"/>.</summary>
    internal const int DefaultMinimumThroughput = 100;

    /// <summary>Default of <see cref="BreakDuration"/>.</summary>
    internal static readonly TimeSpan DefaultBreakDuration = TimeSpan.FromSeconds(30);

    /// <summary>Polly's default of <see cref="SamplingDuration"/>.</summary>
    internal static readonly TimeSpan DefaultSamplingDuration = TimeSpan.FromSeconds(30);

    /// <summary>Smallest <see cref="BreakDuration"/>: short enough for loopback tests, long enough to mean a break.</summary>
    internal static readonly TimeSpan MinBreakDuration = TimeSpan.FromMilliseconds(1);

    /// <summary>Smallest <see cref="SamplingDuration"/>: ten buckets of 10 ms.</summary>
    internal static readonly TimeSpan MinSamplingDuration = TimeSpan.FromMilliseconds(100);

    /// <summary>Largest break and sampling duration (Polly's limit).</summary>
    internal static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>Backing field of <see cref="FailureThreshold"/>.</summary>
    private int _failureThreshold = DefaultFailureThreshold;

    /// <summary>Backing field of <see cref="BreakDuration"/>.</summary>
    private TimeSpan _breakDuration = DefaultBreakDuration;

    /// <summary>Backing field of <see cref="FailureRatio"/>.</summary>
    private double? _failureRatio;

    /// <summary>Backing field of <see cref="MinimumThroughput"/>.</summary>
    private int _minimumThroughput = DefaultMinimumThroughput;

    /// <summary>Backing field of <see cref="SamplingDuration"/>.</summary>
    private TimeSpan _samplingDuration = DefaultSamplingDuration;

    /// <summary>
    /// Polly v8's defaults, for busy services: ratio 0.1 over 30 s with at least 100 calls, break 5 s.
    /// A new instance each time.
    /// </summary>
    public static CircuitBreakerOptions FailureRatioDefault => new()
    {
        FailureRatio = 0.1,
        BreakDuration = TimeSpan.FromSeconds(5),
    };

    /// <summary>A breaker that never opens (every call is admitted). A new instance each time.</summary>
    public static CircuitBreakerOptions Disabled => new() { Enabled = false };

    /// <summary>Whether the breaker guards calls at all.</summary>
    /// <value>The default value is <see langword="true"/>. When <see langword="false"/> every call is admitted and
    /// outcomes are ignored.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>Consecutive failures that open a closed circuit (consecutive-failure mode only).</summary>
    /// <value>The default value is 5. Must be at least 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int FailureThreshold
    {
        get => _failureThreshold;
        set => _failureThreshold = OptionRules.AtLeast(value, 1, nameof(FailureThreshold));
    }

    /// <summary>How long an opened circuit rejects calls before admitting one probe.</summary>
    /// <value>The default value is 30 seconds. Must lie between 1 ms and 1 day.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 ms to 1 day.</exception>
    public TimeSpan BreakDuration
    {
        get => _breakDuration;
        set => _breakDuration = OptionRules.InRange(value, MinBreakDuration, MaxDuration, nameof(BreakDuration), "1 ms and 1 day");
    }

    /// <summary>
    /// Share of failed calls, within <see cref="SamplingDuration"/>, at or above which the circuit opens; setting it
    /// selects failure-ratio mode.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (consecutive-failure mode). Otherwise it must be greater
    /// than 0 and at most 1; <see cref="FailureRatioDefault"/> uses 0.1 (10 %).</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not null and not in (0, 1].</exception>
    public double? FailureRatio
    {
        get => _failureRatio;
        set
        {
            if (value is { } ratio && !(ratio > 0 && ratio <= 1))
            {
                throw OptionRules.OutOfRange(
                    nameof(FailureRatio),
                    ratio,
                    "FailureRatio must be greater than 0 and at most 1, or null for consecutive-failure mode.");
            }

            _failureRatio = value;
        }
    }

    /// <summary>Calls that must finish within <see cref="SamplingDuration"/> before the ratio can open the circuit.</summary>
    /// <value>The default value is 100 (Polly's). Must be at least 2. Used in failure-ratio mode only.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 2.</exception>
    public int MinimumThroughput
    {
        get => _minimumThroughput;
        set => _minimumThroughput = OptionRules.AtLeast(value, 2, nameof(MinimumThroughput));
    }

    /// <summary>The rolling window over which the failure ratio is measured (10 buckets of a tenth each).</summary>
    /// <value>The default value is 30 seconds (Polly's). Must lie between 100 ms and 1 day. Used in failure-ratio
    /// mode only.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 100 ms to 1 day.</exception>
    public TimeSpan SamplingDuration
    {
        get => _samplingDuration;
        set => _samplingDuration = OptionRules.InRange(value, MinSamplingDuration, MaxDuration, nameof(SamplingDuration), "100 ms and 1 day");
    }

    /// <summary>Checks every value again; throws the same exceptions as the setters.</summary>
    /// <remarks>Setters already validate each value; this exists so that a breaker can trust what it copies.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    internal void Validate()
    {
        FailureThreshold = _failureThreshold;
        BreakDuration = _breakDuration;
        FailureRatio = _failureRatio;
        MinimumThroughput = _minimumThroughput;
        SamplingDuration = _samplingDuration;
    }

    /// <summary>A copy for a service's snapshot of its settings.</summary>
    internal CircuitBreakerOptions Clone() => (CircuitBreakerOptions)MemberwiseClone();
}
