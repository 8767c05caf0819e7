using Cortex.Mcp.Fast.Transports.Rest;

namespace Cortex.Mcp.Fast.Transports;

/// <summary>Creates the transport of the protocol a service is configured for.</summary>
internal static class TransportFactory
{
    public static IMcpTransport Create(Uri endpoint, McpServiceOptions options, TimeProvider timeProvider) => options.Protocol switch
    {
        McpProtocol.Rest => new RestTransport(endpoint, options, timeProvider),
        _ => throw new NotSupportedException($"Protocol {options.Protocol} is not available yet."),
    };
}
