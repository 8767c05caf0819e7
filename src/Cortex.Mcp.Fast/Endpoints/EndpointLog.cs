using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast.Endpoints;

/// <summary>Logging of a service's endpoint set (many endpoints per service). Addresses are logged without user
/// information (an endpoint carrying any is refused before it gets here).</summary>
internal static partial class EndpointLog
{
    [LoggerMessage(30, LogLevel.Warning, "Service {Service}: an endpoint from discovery was not used: {Reason}")]
    public static partial void EndpointSkipped(ILogger logger, string service, string reason);

    [LoggerMessage(31, LogLevel.Information, "Service {Service} now balances over {Count} endpoint(s): {Added} added, {Removed} draining")]
    public static partial void EndpointsChanged(ILogger logger, string service, int count, int added, int removed);
}
