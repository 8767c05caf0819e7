namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>
/// When to reopen a dropped event stream. The first reconnect waits exactly the server's <c>retry</c> (or one second
/// when it sent none): servers and the official conformance suite expect that. Only repeated failures — connections
/// in a row that failed to open or ended without delivering a message — back off, from a floor, exponentially, so a
/// hostile <c>retry: 0</c> stream that closes at once cannot make the client reconnect thousands of times a second.
/// </summary>
internal static class ReconnectPolicy
{
    /// <summary>The wait when the server sent no <c>retry</c> (the MCP C# SDK's default).</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    /// <summary>Cap on any wait: a hostile <c>retry</c> cannot park a stream past reason (deadlines still apply).</summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromSeconds(30);

    /// <summary>Smallest base of the backoff for repeated failures.</summary>
    public static readonly TimeSpan RepeatFloor = TimeSpan.FromMilliseconds(250);

    /// <summary>A connection that stayed open this long was healthy, even if it carried no message.</summary>
    public static readonly TimeSpan StableConnection = TimeSpan.FromSeconds(10);

    /// <summary>The wait before the next connection.</summary>
    /// <param name="serverRetry">The server's last <c>retry</c>, if any.</param>
    /// <param name="consecutiveFailures">Connections in a row that failed (0 or 1: the first reconnect).</param>
    public static TimeSpan Delay(TimeSpan? serverRetry, int consecutiveFailures)
    {
        var interval = Clamp(serverRetry ?? DefaultInterval);
        if (consecutiveFailures <= 1)
        {
            // Spec (2025-11-25 transports): the client MUST wait the retry delay before reconnecting.
            return interval;
        }

        var floor = interval > RepeatFloor ? interval : RepeatFloor;
        var exponent = Math.Min(consecutiveFailures - 1, 16);
        var ticks = Math.Min(floor.Ticks * (1L << exponent), MaxInterval.Ticks);
        return TimeSpan.FromTicks(Math.Max(ticks, interval.Ticks));
    }

    private static TimeSpan Clamp(TimeSpan value) =>
        value < TimeSpan.Zero ? TimeSpan.Zero : value > MaxInterval ? MaxInterval : value;
}
