using System.Diagnostics.CodeAnalysis;

namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// Thrown when an event stream exceeds one of the hard limits of <see cref="SseParserOptions"/>; the reader stops
/// at the limit, so a hostile server cannot make it hold more memory than the limits allow.
/// </summary>
/// <remarks>The message names the limit and its value, never stream content (it may carry secrets).</remarks>
public sealed class SseLimitExceededException : Exception
{
    /// <summary>Creates an exception for the given limit.</summary>
    /// <param name="limit">Which limit was exceeded.</param>
    /// <param name="limitValue">The configured value of that limit, in bytes.</param>
    internal SseLimitExceededException(SseLimit limit, int limitValue)
        : base(FormatMessage(limit, limitValue))
    {
        Limit = limit;
        LimitValue = limitValue;
    }

    /// <summary>Gets which limit was exceeded.</summary>
    public SseLimit Limit { get; }

    /// <summary>Gets the configured value of the exceeded limit, in bytes.</summary>
    public int LimitValue { get; }

    private static string FormatMessage(SseLimit limit, int limitValue) => limit switch
    {
        SseLimit.Line => $"A server-sent event line exceeded the limit of {limitValue} bytes.",
        SseLimit.Event => $"The data of a server-sent event exceeded the limit of {limitValue} bytes.",
        SseLimit.Id => $"A server-sent event id exceeded the limit of {limitValue} bytes.",
        _ => $"A server-sent event stream exceeded a limit of {limitValue} bytes.",
    };

    /// <summary>Throws from a method the JIT keeps out of the hot loop.</summary>
    [DoesNotReturn]
    internal static void Throw(SseLimit limit, int limitValue) => throw new SseLimitExceededException(limit, limitValue);
}
