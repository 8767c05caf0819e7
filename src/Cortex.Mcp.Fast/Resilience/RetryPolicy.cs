using System.Globalization;

namespace Cortex.Mcp.Fast.Resilience;

/// <summary>
/// Pure retry arithmetic: how long to back off, and how to read <c>Retry-After</c>. What may be retried and what
/// counts against the breaker is decided by the failure classifier of the error path, which knows HTTP. No clock, no randomness of its own: callers pass both in.
/// </summary>
internal static class RetryPolicy
{
    /// <summary>
    /// HTTP-date forms a recipient must accept (RFC 9110 §5.6.7): IMF-fixdate, then the obsolete RFC 850 and
    /// asctime forms.
    /// </summary>
    private static readonly string[] s_httpDateFormats =
    [
        "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
        "dddd, dd'-'MMM'-'yy HH':'mm':'ss 'GMT'",
        "ddd MMM d HH':'mm':'ss yyyy",
    ];

    /// <summary>Largest delta-seconds value a <see cref="TimeSpan"/> holds; larger values saturate.</summary>
    private static readonly long s_maxDeltaSeconds = TimeSpan.MaxValue.Ticks / TimeSpan.TicksPerSecond;

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
    /// <param name="retryAfter">The server's <c>Retry-After</c>, if it sent one (see <see cref="TryParseRetryAfter"/>).</param>
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

    /// <summary>Parses an HTTP <c>Retry-After</c> value: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).</summary>
    /// <param name="value">The header value; surrounding whitespace is ignored.</param>
    /// <param name="now">The current time, for the HTTP-date form.</param>
    /// <param name="delay">The delay; zero for a date in the past; saturated at <see cref="TimeSpan.MaxValue"/>
    /// for an absurd number of seconds.</param>
    /// <returns>False for anything else (empty, signs, fractions, garbage): the caller then ignores the header.</returns>
    public static bool TryParseRetryAfter(ReadOnlySpan<char> value, DateTimeOffset now, out TimeSpan delay)
    {
        // Spec: "Retry-After = HTTP-date / delay-seconds", "delay-seconds = 1*DIGIT".
        value = value.Trim();
        delay = TimeSpan.Zero;
        if (value.IsEmpty)
        {
            return false;
        }

        if (char.IsAsciiDigit(value[0]))
        {
            long seconds = 0;
            foreach (char c in value)
            {
                if (!char.IsAsciiDigit(c))
                {
                    return TryParseHttpDate(value, now, out delay);
                }

                seconds = seconds > s_maxDeltaSeconds ? seconds : (seconds * 10) + (c - '0');
            }

            delay = seconds > s_maxDeltaSeconds ? TimeSpan.MaxValue : TimeSpan.FromSeconds(seconds);
            return true;
        }

        return TryParseHttpDate(value, now, out delay);
    }

    /// <summary>The HTTP-date branch of <see cref="TryParseRetryAfter"/>.</summary>
    private static bool TryParseHttpDate(ReadOnlySpan<char> value, DateTimeOffset now, out TimeSpan delay)
    {
        const DateTimeStyles Styles = DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal
            | DateTimeStyles.AllowInnerWhite;
        if (DateTimeOffset.TryParseExact(value, s_httpDateFormats, CultureInfo.InvariantCulture, Styles, out var date))
        {
            TimeSpan until = date - now;
            delay = until > TimeSpan.Zero ? until : TimeSpan.Zero;
            return true;
        }

        delay = TimeSpan.Zero;
        return false;
    }
}
