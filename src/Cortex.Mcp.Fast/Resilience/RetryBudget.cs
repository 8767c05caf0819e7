namespace Cortex.Mcp.Fast.Resilience;

/// <summary>
/// Keeps one service's retries under a share of its traffic, so that an outage does not multiply the load on it
/// (Finagle's retry budget): within the last <see cref="RetryBudgetOptions.TimeToLive"/>, retries may not exceed
/// <c>RetryRatio × requests + MinRetriesPerSecond × TimeToLive</c>.
/// </summary>
/// <remarks>
/// <para>
/// Call <see cref="RecordRequest"/> once per original call (not per retry), and <see cref="TryWithdrawRetry"/>
/// before each retry; when it returns false, give up with the last error instead of retrying. Requests and
/// withdrawals both expire after the time to live, so the budget refills by itself once traffic recovers.
/// </para>
/// <para>
/// Concurrency contract: lock-free. Both counters live in a 10-bucket rolling window (see
/// <see cref="RollingCounters"/> for the tolerated rollover race). A withdrawal is debited first and checked after,
/// and refunded if it overdrew; so concurrent withdrawers can never overspend together, though two of them racing
/// for the last retry may both be refused.
/// </para>
/// </remarks>
internal sealed class RetryBudget
{
    /// <summary>Time source.</summary>
    private readonly MonotonicClock _clock;

    /// <summary>Requests (first) and withdrawn retries (second) over the time to live.</summary>
    private readonly RollingCounters _ledger;

    /// <summary>Copied <see cref="RetryBudgetOptions.RetryRatio"/>.</summary>
    private readonly double _retryRatio;

    /// <summary>Retries allowed without any requests: MinRetriesPerSecond × TimeToLive in seconds.</summary>
    private readonly double _reserve;

    /// <summary>Creates a full budget.</summary>
    /// <param name="options">Settings; validated and copied.</param>
    /// <param name="timeProvider">Time source; only its timestamps are used.</param>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public RetryBudget(RetryBudgetOptions options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _clock = new MonotonicClock(timeProvider);
        _ledger = new RollingCounters(_clock.ToTimestamps(options.TimeToLive));
        _retryRatio = options.RetryRatio;
        _reserve = options.MinRetriesPerSecond * options.TimeToLive.TotalSeconds;
    }

    /// <summary>Retries that could be withdrawn now (fractional; a withdrawal needs at least one).</summary>
    public double AvailableRetries
    {
        get
        {
            _ledger.Sum(_clock.Now(), out long requests, out long retries);
            return Math.Max(0, Allowed(requests) - retries);
        }
    }

    /// <summary>Deposits one original request.</summary>
    public void RecordRequest() => _ledger.Add(_clock.Now(), 1, 0);

    /// <summary>Takes one retry from the budget.</summary>
    /// <returns>True when the retry may go ahead; false when the budget is spent.</returns>
    public bool TryWithdrawRetry()
    {
        long now = _clock.Now();
        _ledger.Add(now, 0, 1);
        _ledger.Sum(now, out long requests, out long retries);
        if (retries <= Allowed(requests))
        {
            return true;
        }

        _ledger.Add(now, 0, -1); // Overdrawn (possibly by a concurrent withdrawal): refund ours.
        return false;
    }

    /// <summary>Retries allowed for <paramref name="requests"/> requests in the window.</summary>
    private double Allowed(long requests) => (requests * _retryRatio) + _reserve;
}
