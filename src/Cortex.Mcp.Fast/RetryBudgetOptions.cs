namespace Cortex.Mcp.Fast;

/// <summary>
/// Settings of a service's retry budget, which keeps its retries under a share of its traffic so that an outage
/// does not multiply the load on it: within the last <see cref="TimeToLive"/>, retries may not exceed
/// <c>RetryRatio × requests + MinRetriesPerSecond × TimeToLive</c> (Finagle's <c>RetryBudget</c>; Tower's budget has
/// the same shape). When the budget is spent a call fails with its last error instead of retrying. Setters validate
/// at once.
/// </summary>
public sealed class RetryBudgetOptions
{
    /// <summary>Finagle's default of <see cref="RetryRatio"/>.</summary>
    internal const double DefaultRetryRatio = 0.2;

    /// <summary>Finagle's default of <see cref="MinRetriesPerSecond"/>.</summary>
    internal const int DefaultMinRetriesPerSecond = 10;

    /// <summary>Upper limit of <see cref="RetryRatio"/> (Finagle allows up to 1000 %).</summary>
    internal const double MaxRetryRatio = 10;

    /// <summary>Finagle's default of <see cref="TimeToLive"/>.</summary>
    internal static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromSeconds(10);

    /// <summary>Backing field of <see cref="TimeToLive"/>.</summary>
    private TimeSpan _timeToLive = DefaultTimeToLive;

    /// <summary>Backing field of <see cref="MinRetriesPerSecond"/>.</summary>
    private int _minRetriesPerSecond = DefaultMinRetriesPerSecond;

    /// <summary>Backing field of <see cref="RetryRatio"/>.</summary>
    private double _retryRatio = DefaultRetryRatio;

    /// <summary>How long a recorded request or a withdrawn retry stays in the ledger.</summary>
    /// <value>The default value is 10 seconds (Finagle's). Must lie between 1 and 60 seconds.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 1 to 60 seconds.</exception>
    public TimeSpan TimeToLive
    {
        get => _timeToLive;
        set => _timeToLive = OptionRules.InRange(value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), nameof(TimeToLive), "1 and 60 seconds");
    }

    /// <summary>Retries per second allowed even without traffic (a reserve of this × <see cref="TimeToLive"/>
    /// retries), so that a quiet service still gets a few.</summary>
    /// <value>The default value is 10 (Finagle's). Must lie between 0 and 1,000,000.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 0 to 1,000,000.</exception>
    public int MinRetriesPerSecond
    {
        get => _minRetriesPerSecond;
        set => _minRetriesPerSecond = OptionRules.InRange(value, 0, 1_000_000, nameof(MinRetriesPerSecond));
    }

    /// <summary>Retries allowed per recorded request, on top of the reserve.</summary>
    /// <value>The default value is 0.2 (20 %, Finagle's and Envoy's). Must lie between 0 and 10.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is outside 0 to 10.</exception>
    public double RetryRatio
    {
        get => _retryRatio;
        set => _retryRatio = OptionRules.InRange(value, 0d, MaxRetryRatio, nameof(RetryRatio));
    }

    /// <summary>Checks every value again; throws the same exceptions as the setters.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    internal void Validate()
    {
        TimeToLive = _timeToLive;
        MinRetriesPerSecond = _minRetriesPerSecond;
        RetryRatio = _retryRatio;
    }

    /// <summary>A copy for a service's snapshot of its settings.</summary>
    internal RetryBudgetOptions Clone() => (RetryBudgetOptions)MemberwiseClone();
}
