using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Cortex.Mcp.Fast.Testing.Internal;

/// <summary>
/// Kestrel connection middleware (innermost, after TLS) that remembers each connection by id, so that a request
/// can end its own connection at the transport level: see <see cref="TryCompleteOutput"/>.
/// </summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<string, ConnectionContext> _connections = new(StringComparer.Ordinal);

    public ConnectionDelegate Track(ConnectionDelegate next) => async connection =>
    {
        _connections[connection.ConnectionId] = connection;
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            _connections.TryRemove(connection.ConnectionId, out _);
        }
    };

    /// <summary>
    /// Completes the connection's transport output under the HTTP layer: the transport sends every byte already
    /// flushed into it, then closes (FIN). The response is left unfinished, as if the server had died mid-body.
    /// The caller must not be writing to the response concurrently.
    /// </summary>
    public bool TryCompleteOutput(string connectionId)
    {
        if (!_connections.TryGetValue(connectionId, out var connection))
        {
            return false;
        }

        connection.Transport.Output.Complete();
        return true;
    }
}
