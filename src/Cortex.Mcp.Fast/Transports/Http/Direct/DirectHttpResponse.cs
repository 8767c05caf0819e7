using System.Buffers;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// A response from <see cref="DirectHttpEngine.SendAsync"/>: its head and its body, read piece by piece straight from
/// the connection. Dispose it to give the connection back: reused only when the body was read to its end.
/// </summary>
/// <remarks>Not thread-safe; one reader.</remarks>
internal sealed class DirectHttpResponse : IAsyncDisposable
{
    private readonly Http1ConnectionPool<Http1Connection> _pool;
    private Http1Connection? _connection;

    internal DirectHttpResponse(Http1ConnectionPool<Http1Connection> pool, Http1Connection connection, Http1ResponseHead head)
    {
        _pool = pool;
        _connection = connection;
        Head = head;
    }

    /// <summary>Gets the response head (valid until the response is disposed).</summary>
    public Http1ResponseHead Head { get; }

    /// <summary>
    /// Returns the next piece of the body (a slice of the connection's input, no copy, valid until the next call), or
    /// an empty sequence at its end.
    /// </summary>
    /// <exception cref="Http1ConnectionException">The connection failed or ended before the body did.</exception>
    /// <exception cref="Http1ProtocolException">The chunked framing was refused.</exception>
    /// <exception cref="ObjectDisposedException">The response was disposed.</exception>
    public ValueTask<ReadOnlySequence<byte>> ReadBodyAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_connection is null, this);
        return _connection.ReadBodyAsync(cancellationToken);
    }

    /// <summary>Gives the connection back to the pool: kept when the body was read to its end, closed otherwise.</summary>
    public ValueTask DisposeAsync()
    {
        Http1Connection? connection = _connection;
        if (connection is null)
        {
            return ValueTask.CompletedTask;
        }

        _connection = null;
        return _pool.ReturnAsync(connection);
    }
}
