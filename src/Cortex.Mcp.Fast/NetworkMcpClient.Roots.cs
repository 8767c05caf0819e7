namespace Cortex.Mcp.Fast;

/// <summary>Client features the server reaches back for: roots (MCP services only).</summary>
public sealed partial class NetworkMcpClient
{
    private const string RootsChangedOperation = "notifications/roots/list_changed";

    /// <summary>
    /// Tells an MCP service that the roots of <see cref="McpOptions.RootsHandler"/> changed
    /// (<c>notifications/roots/list_changed</c>); the server then sends <c>roots/list</c> again. Not queued behind
    /// tool calls and not retried; it goes through the service's circuit breaker and call deadline.
    /// </summary>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="cancellationToken">Cancels the notification.</param>
    /// <returns>True when it was sent; false when the service has no session yet (the server asks for the roots
    /// when it starts one, so there is nothing to tell).</returns>
    /// <exception cref="ServiceCallException">The service does not speak MCP, has no <see cref="McpOptions.RootsHandler"/>
    /// (<see cref="FailureKind.Other"/>, nothing sent), or the notification failed.</exception>
    public async ValueTask<bool> NotifyRootsChangedAsync(string service, CancellationToken cancellationToken = default)
    {
        if (RejectService(service, RootsChangedOperation) is { } rejection)
        {
            throw rejection;
        }

        var dispatcher = await GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        return await dispatcher.Requests.RunAsync(RootsChangedOperation, static (transport, token) => transport.NotifyRootsChangedAsync(token), cancellationToken).ConfigureAwait(false);
    }
}
