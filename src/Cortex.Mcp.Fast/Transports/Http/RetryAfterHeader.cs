using System.Globalization;
using System.Net.Http.Headers;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>Reads the HTTP <c>Retry-After</c> header (RFC 9110 §10.2.3): delta-seconds or an HTTP-date.</summary>
internal static class RetryAfterHeader
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

    /// <summary>Reads a <c>Retry-After</c> value; null when absent or invalid.</summary>
    public static TimeSpan? Read(string? value, TimeProvider timeProvider) =>
        value is not null && TryParse(value, timeProvider.GetUtcNow(), out var delay) ? delay : null;

    /// <summary>Reads <c>Retry-After</c> from response headers; null when absent or invalid.</summary>
    public static TimeSpan? Read(HttpResponseHeaders headers, TimeProvider timeProvider)
    {
        if (!headers.TryGetValues("Retry-After", out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            if (TryParse(value, timeProvider.GetUtcNow(), out var delay))
            {
                return delay;
            }
        }

        return null;
    }

    /// <summary>Parses an HTTP <c>Retry-After</c> value: delta-seconds or an HTTP-date (RFC 9110 §10.2.3).</summary>
    /// <param name="value">The header value; surrounding whitespace is ignored.</param>
    /// <param name="now">The current time, for the HTTP-date form.</param>
    /// <param name="delay">The delay; zero for a date in the past; saturated at <see cref="TimeSpan.MaxValue"/>
    /// for an absurd number of seconds.</param>
    /// <returns>False for anything else (empty, signs, fractions, garbage): the caller then ignores the header.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, DateTimeOffset now, out TimeSpan delay)
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

    /// <summary>The HTTP-date branch of <see cref="TryParse"/>.</summary>
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
