using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// A response from <see cref="DirectHttpEngine.SendAsync(PreEncodedRequest, HttpRequestFields, ReadOnlyMemory{byte}, CancellationToken)"/>:
/// its head and its body, read piece by piece straight from the connection. Dispose it to give the connection back:
/// reused only when the body was read to its end.
/// </summary>
/// <remarks>Not thread-safe; one reader. One instance per connection, re-armed for each request it carries (a
/// connection serves one request at a time), so a call allocates no response object.</remarks>
internal sealed class DirectHttpResponse : HttpEngineResponse
{
    private const int InitialBufferSize = 4096;

    private readonly Http1ConnectionPool<Http1Connection> _pool;
    private readonly Http1Connection _owner;
    private Http1Connection? _connection;
    private Http1BodyPipeReader? _bodyPipe;

    internal DirectHttpResponse(Http1ConnectionPool<Http1Connection> pool, Http1Connection connection, Http1ResponseHead head)
    {
        _pool = pool;
        _owner = connection;
        Head = head;
    }

    /// <summary>Gets the response head (valid until the response is disposed).</summary>
    public Http1ResponseHead Head { get; }

    public override int Status => Head.StatusCode;

    public override string? MediaType => Head.ContentType;

    public override long? ContentLength => Head.ContentLength >= 0 ? Head.ContentLength : null;

    public override string? SessionId => Head.SessionId;

    public override string? RetryAfter => Head.RetryAfter;

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

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<(byte[] Buffer, int Length)> ReadBodyPooledAsync(int maxBytes, CancellationToken cancellationToken)
    {
        long? declared = ContentLength;
        if (declared > maxBytes)
        {
            throw TransportFailure.Protocol($"the response declares {declared} bytes, over the limit of {maxBytes}.");
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 ? (int)declared.Value : Math.Min(InitialBufferSize, maxBytes));
        int length = 0;
        try
        {
            while (true)
            {
                ReadOnlySequence<byte> piece = await ReadBodyAsync(cancellationToken).ConfigureAwait(false);
                if (piece.IsEmpty)
                {
                    return (buffer, length);
                }

                if (piece.Length > maxBytes - length)
                {
                    throw TransportFailure.Protocol($"the response exceeds the limit of {maxBytes} bytes.");
                }

                int needed = length + (int)piece.Length;
                if (needed > buffer.Length)
                {
                    // Double, never past the limit: a large body costs a few copies, not one per piece.
                    byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(Math.Max((long)buffer.Length * 2, needed), maxBytes));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                piece.CopyTo(buffer.AsSpan(length));
                length = needed;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public override ValueTask<PipeReader> OpenBodyPipeAsync(LineProgress progress, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_connection is null, this);
        Http1BodyPipeReader pipe = _bodyPipe ??= new Http1BodyPipeReader();
        pipe.Start(this, progress);
        return new ValueTask<PipeReader>(pipe);
    }

    /// <summary>Gives the connection back to the pool: kept when the body was read to its end, closed otherwise.</summary>
    public override ValueTask DisposeAsync()
    {
        Http1Connection? connection = _connection;
        if (connection is null)
        {
            return ValueTask.CompletedTask;
        }

        _connection = null;
        _bodyPipe?.Detach();
        return _pool.ReturnAsync(connection);
    }

    /// <summary>Arms the response for the connection's next request.</summary>
    internal void Rearm() => _connection = _owner;
}
