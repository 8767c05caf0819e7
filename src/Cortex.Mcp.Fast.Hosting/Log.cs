using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast.Hosting;

/// <summary>The hosting package's log messages.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "MCP client '{Client}': endpoint of service '{Service}' changed by configuration.")]
    public static partial void EndpointChanged(ILogger logger, string client, string service);

    [LoggerMessage(2, LogLevel.Information, "MCP client '{Client}': endpoint of service '{Service}' removed from configuration.")]
    public static partial void EndpointRemoved(ILogger logger, string client, string service);

    [LoggerMessage(3, LogLevel.Error, "MCP client '{Client}': reloaded configuration ignored, the endpoints keep their previous values: {Errors}")]
    public static partial void ReloadRejected(ILogger logger, string client, string errors);
}
