using System.Buffers;
using Cortex.Mcp.Fast.Operations;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>The MCP operations other than tools/call, resources/read and subscriptions.</summary>
internal sealed partial class StreamableHttpTransport
{
    /// <summary>
    /// Sends one request on the current session (renewing a lost session once, resuming a broken reply in place) and
    /// reads its result with <paramref name="parse"/> while the pooled reply is still held; the pooled memory is
    /// returned before this completes.
    /// </summary>
    public async ValueTask<T> SendRequestAsync<TState, T>(McpRequest request, TState state, McpParamsWriter<TState>? writeParams, McpResultParser<T> parse, CancellationToken cancellationToken)
    {
        var (buffer, length) = await RunAsync(
            request.Method.Text,
            request.Name,
            new OperationBody<TState>(request, state, writeParams),
            static (writer, output, id, body) => writer.WriteRequest(output, id, body.Request, body.State, body.WriteParams),
            cancellationToken,
            request.Options.Headers?.Snapshot()).ConfigureAwait(false);
        return McpResultReader.ParseAndReturn(buffer, length, parse);
    }

    /// <summary>The server's description from the current session's <c>initialize</c> (starting the session if needed).</summary>
    public async ValueTask<McpServerInfo> GetServerInfoAsync(CancellationToken cancellationToken)
    {
        var session = await _sessions.GetAsync(cancellationToken).ConfigureAwait(false);
        return session.ServerInfo ?? McpResultParsers.Stateless(session.ProtocolVersion);
    }

    /// <summary>
    /// Follows the caller's notification handlers: once any is registered, the session's standalone stream is kept
    /// open, because servers send notifications that belong to no request (list_changed, log lines) only there.
    /// </summary>
    private void AttachNotifications()
    {
        if (_notifications is { } handlers)
        {
            handlers.Registered += _hub.KeepOpen;
            if (!handlers.IsEmpty)
            {
                _hub.KeepOpen();
            }
        }
    }

    /// <summary>Stops following the handlers (they outlive this transport).</summary>
    private void DetachNotifications()
    {
        if (_notifications is { } handlers)
        {
            handlers.Registered -= _hub.KeepOpen;
        }
    }

    /// <summary>The state a request body is written from (no closure per request).</summary>
    private readonly record struct OperationBody<TState>(McpRequest Request, TState State, McpParamsWriter<TState>? WriteParams);
}
