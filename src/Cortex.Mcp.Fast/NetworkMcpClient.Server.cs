using Cortex.Mcp.Fast.Operations;

namespace Cortex.Mcp.Fast;

/// <summary>The server itself: its description, liveness, and its log level (MCP Streamable HTTP services only).</summary>
public sealed partial class NetworkMcpClient
{
    private const string ServerInfoOperation = "initialize";

    /// <summary>
    /// What the server said about itself when the current session started: name, version, title, instructions,
    /// capabilities, and the negotiated protocol revision. Starts the session when there is none; no request is
    /// sent otherwise. A new session (after the server lost the old one) may describe a new server version.
    /// </summary>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="ServiceCallException">The service does not speak MCP, or the session could not be started.</exception>
    public ValueTask<McpServerInfo> GetServerInfoAsync(string service, CancellationToken cancellationToken = default)
    {
        if (RejectService(service, ServerInfoOperation) is { } rejection)
        {
            return ValueTask.FromException<McpServerInfo>(rejection);
        }

        return _services.TryGetValue(service, out var dispatcher)
            ? ServerInfo(dispatcher, cancellationToken)
            : ConnectThenServerInfoAsync(service, cancellationToken);
    }

    /// <summary>Sends <c>ping</c> and waits for the server's empty answer (a liveness probe through the breaker).</summary>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="options">Per-request <c>_meta</c> and trace context; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ServiceCallException">The service does not speak MCP, or the request failed.</exception>
    public async ValueTask PingAsync(string service, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        await SendAsync(service, new McpRequest(McpMethodName.Ping, null, options), 0, null, McpResultParsers.Empty, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Asks the server to send log messages at <paramref name="level"/> and above (<c>logging/setLevel</c>). They
    /// arrive as <c>notifications/message</c>: receive them with <see cref="RegisterLogHandler"/>.
    /// </summary>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="level">The least severe level to send.</param>
    /// <param name="options">Per-request <c>_meta</c> and trace context; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="level"/> is not a defined level.</exception>
    /// <exception cref="ServiceCallException">The service does not speak MCP, or the request failed.</exception>
    public async ValueTask SetLoggingLevelAsync(string service, McpLoggingLevel level, McpRequestOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(level))
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, "Not an MCP logging level.");
        }

        await SendAsync(service, new McpRequest(McpMethodName.LoggingSetLevel, null, options), level, McpParams.SetLevel, McpResultParsers.Empty, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<McpServerInfo> ConnectThenServerInfoAsync(string service, CancellationToken cancellationToken)
    {
        var dispatcher = await GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        return await ServerInfo(dispatcher, cancellationToken).ConfigureAwait(false);
    }

    private static ValueTask<McpServerInfo> ServerInfo(Dispatch.ServiceDispatcher dispatcher, CancellationToken cancellationToken) =>
        dispatcher.Requests.RunAsync(ServerInfoOperation, static (transport, token) => transport.GetServerInfoAsync(token), cancellationToken);
}
