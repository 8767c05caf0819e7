using Cortex.Mcp.Fast.Operations;
using Cortex.Mcp.Fast.Transports.LegacySse;
using Cortex.Mcp.Fast.Transports.Rest;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Transports;

/// <summary>Creates the transport of the protocol a service is configured for.</summary>
internal static class TransportFactory
{
    /// <summary>Creates the transport; <paramref name="notifications"/> receive the MCP notifications of the service.</summary>
    public static IMcpTransport Create(string service, Uri endpoint, McpServiceOptions options, TimeProvider timeProvider, McpNotificationHandlers? notifications = null) => Resolve(options.Protocol, endpoint) switch
    {
        McpProtocol.Rest => new RestTransport(service, endpoint, options, timeProvider),
        McpProtocol.StreamableHttp => new StreamableHttpTransport(service, endpoint, options, timeProvider, notifications),
        McpProtocol.LegacySse => new LegacySseTransport(service, endpoint, options, timeProvider, notifications),
        McpProtocol.StreamableHttpOrLegacySse => new BackwardsCompatibleTransport(
            new StreamableHttpTransport(service, endpoint, options, timeProvider, notifications),
            () => new LegacySseTransport(service, endpoint, options, timeProvider, notifications)),
        var other => throw new NotSupportedException($"Protocol {other} is not supported."),
    };

    /// <summary>
    /// The protocol actually spoken: <see cref="McpProtocol.Auto"/> picks Streamable HTTP when the endpoint's last
    /// path segment is <c>mcp</c> (case-insensitive, trailing '/' ignored), REST otherwise.
    /// </summary>
    public static McpProtocol Resolve(McpProtocol configured, Uri endpoint)
    {
        if (configured != McpProtocol.Auto)
        {
            return configured;
        }

        var path = endpoint.AbsolutePath.TrimEnd('/');
        return path.EndsWith("/mcp", StringComparison.OrdinalIgnoreCase) ? McpProtocol.StreamableHttp : McpProtocol.Rest;
    }
}
