using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast;

/// <summary>Tool discovery (MCP Streamable HTTP services only).</summary>
public sealed partial class NetworkMcpClient
{
    /// <summary>
    /// Lists the tools of an MCP Streamable HTTP service (<c>tools/list</c>, every page). The list is cached per
    /// session and read again after the server sends <c>notifications/tools/list_changed</c> or the session is
    /// replaced. Not queued behind tool calls and not retried.
    /// </summary>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The tools, in the server's order.</returns>
    /// <exception cref="ServiceCallException">The service does not speak MCP Streamable HTTP, or the request failed.</exception>
    public async ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(string service, CancellationToken cancellationToken = default)
    {
        if (Reject(service, "tools-list") is { } rejection)
        {
            throw rejection;
        }

        var dispatcher = await GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var endpoint = dispatcher.Endpoint;
        if (!endpoint.TryAcquire())
        {
            endpoint = dispatcher.Endpoint;
            if (!endpoint.TryAcquire())
            {
                throw new ClientDisposedException(service, "tools/list");
            }
        }

        try
        {
            return await endpoint.Transport.ListToolsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw ErrorFactory.FromException(service, "tools/list", ex, 1, OperationKind.Request);
        }
        finally
        {
            endpoint.Release();
        }
    }

    /// <summary>The current transport of a connected service, or null. Intended for testing.</summary>
    internal IMcpTransport? GetTransport(string service) =>
        _services.TryGetValue(service, out var dispatcher) ? dispatcher.Endpoint.Transport : null;
}
