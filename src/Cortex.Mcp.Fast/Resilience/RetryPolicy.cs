namespace Cortex.Mcp.Fast.Resilience;

/// <summary>
/// Pure retry arithmetic: how long to back off, and how to read <c>Retry-After</c>. What may be retried and what
/// counts against the breaker is decided by the failure classifier of the error path, which knows HTTP. No clock, no randomness of its own: callers pass both in.
/// </summary>
internal static class RetryPolicy
{
    /// <summary>The jittered exponential backoff before retry number <paramref name="attempt"/>.</summary>
    /// <param name="attempt">0-based retry number: 0 for the wait after the first (original) attempt failed.</param>
    /// <param name="options">The settings.</param>
    /// <param name="random01">A uniform random number in [0, 1] from the caller's injected source.</param>
    /// <returns><c>min(MaxDelay, BaseDelay × 2^attempt × (1 + JitterFactor × (2 × random01 − 1)))</c>; never
    /// negative, never above <see cref="RetryOptions.MaxDelay"/>, and overflow-safe for any attempt.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempt"/> is negative, or
    /// <paramref name="random01"/> is outside [0, 1].</exception>
    public static TimeSpan ComputeBackoff(int attempt, RetryOptions options, double random01)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(attempt);
        if (!(random01 >= 0 && random01 <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(random01), random01, "random01 must be between 0 and 1.");
        }

        double baseTicks = options.BaseDelay.Ticks;
        double cap = options.MaxDelay.Ticks;
        if (baseTicks == 0)
        {
            return TimeSpan.Zero;
        }

        // ScaleB is exact and saturates at +Infinity for huge attempts, which the cap below then absorbs.
        double exponential = Math.ScaleB(baseTicks, attempt);
        double ticks = exponential * (1 + (options.JitterFactor * ((2 * random01) - 1)));
        return TimeSpan.FromTicks(ticks < cap ? (long)ticks : (long)cap);
    }

    /// <summary>Decides whether retry number <paramref name="attempt"/> happens, and after which delay.</summary>
    /// <param name="attempt">0-based retry number (the count of retries already made).</param>
    /// <param name="options">The settings.</param>
    /// <param name="random01">A uniform random number in [0, 1] for the jitter.</param>
    /// <param name="retryAfter">The server's <c>Retry-After</c>, if it sent one (parsed by the transport).</param>
    /// <param name="remainingUntilDeadline">Time left before the call's deadline.</param>
    /// <param name="delay">The delay to wait before retrying; zero when the result is false.</param>
    /// <returns>False when no retries are left or when the delay would reach the deadline (fail fast then).</returns>
    /// <remarks>
    /// <c>Retry-After</c> wins over a shorter backoff: the delay is the larger of the two. It is not capped by
    /// <see cref="RetryOptions.MaxDelay"/>, which caps only our own backoff: retrying before the time a server asked
    /// for would only be refused again and multiply load. The deadline is the bound instead: a delay at or past it
    /// leaves no time for the attempt, so the answer is false.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attempt"/> is negative, or
    /// <paramref name="random01"/> is outside [0, 1].</exception>
    public static bool TryGetRetryDelay(
        int attempt,
        RetryOptions options,
        double random01,
        TimeSpan? retryAfter,
        TimeSpan remainingUntilDeadline,
        out TimeSpan delay)
    {
        TimeSpan backoff = ComputeBackoff(attempt, options, random01);
        delay = TimeSpan.Zero;
        if (attempt >= options.MaxRetries)
        {
            return false;
        }

        TimeSpan candidate = retryAfter is { } serverDelay && serverDelay > backoff ? serverDelay : backoff;
        if (candidate >= remainingUntilDeadline)
        {
            return false;
        }

        delay = candidate;
        return true;
    }
}
