using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast.ServiceDiscovery;

/// <summary>The discovery package's log messages. Endpoints are not logged (an address may reveal topology).</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "MCP service '{Service}': discovery found {Count} endpoint(s), changed from {Previous}.")]
    public static partial void EndpointsChanged(ILogger logger, string service, int count, int previous);

    [LoggerMessage(2, LogLevel.Warning, "MCP service '{Service}': re-resolving failed; keeping the last {Count} endpoint(s) and trying again in {RetryDelay}.")]
    public static partial void RefreshFailed(ILogger logger, Exception exception, string service, int count, TimeSpan retryDelay);

    [LoggerMessage(3, LogLevel.Error, "MCP service '{Service}': a handler of EndpointChanged threw.")]
    public static partial void HandlerFailed(ILogger logger, Exception exception, string service);

    [LoggerMessage(4, LogLevel.Warning, "MCP service '{Service}': DNS SRV answer for '{Query}' holds {Count} endpoints; only the first {Max} are used.")]
    public static partial void TooManyEndpoints(ILogger logger, string service, string query, int count, int max);
}
