using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast;

/// <summary>Tool discovery (MCP Streamable HTTP services only).</summary>
public sealed partial class NetworkMcpClient
{
    private const string ListToolsOperation = "tools/list";

    /// <summary>
    /// Lists the tools of an MCP Streamable HTTP service (<c>tools/list</c>, every page). The list is cached per
    /// session and read again after the server sends <c>notifications/tools/list_changed</c> or the session is
    /// replaced. Not queued behind tool calls and not retried; it goes through the service's circuit breaker and
    /// call deadline (<see cref="McpServiceOptions.CallTimeout"/>) like every other operation.
    /// </summary>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The tools, in the server's order.</returns>
    /// <exception cref="ServiceCallException">The service does not speak MCP Streamable HTTP, or the request failed.</exception>
    public async ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(string service, CancellationToken cancellationToken = default)
    {
        if (RejectService(service, ListToolsOperation) is { } rejection)
        {
            throw rejection;
        }

        var dispatcher = await GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        return await dispatcher.Requests.RunAsync(ListToolsOperation, static (transport, token) => transport.ListToolsAsync(token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The current transport of a connected service, or null. Intended for testing.</summary>
    internal IMcpTransport? GetTransport(string service) =>
        _services.TryGetValue(service, out var dispatcher) ? dispatcher.Endpoint.Transport : null;

    /// <summary>The dispatcher of a connected service, or null. Intended for testing.</summary>
    internal Dispatch.ServiceDispatcher? GetDispatcher(string service) =>
        _services.TryGetValue(service, out var dispatcher) ? dispatcher : null;
}
