using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Streams;
using Cortex.Mcp.Fast.Tasks;

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

    /// <summary>Most body bytes read and discarded to keep a connection (as <c>SocketsHttpHandler</c> drains).</summary>
    private const long MaxDrainBytes = 64 * 1024;

    /// <summary>Longest a body is drained in the background before its connection is closed instead.</summary>
    private static readonly TimeSpan s_drainTimeout = TimeSpan.FromSeconds(2);

    private readonly Http1ConnectionPool<Http1Connection> _pool;
    private readonly Http1Connection _owner;
    private Http1Connection? _connection;
    private Http1BodyPipeReader? _bodyPipe;

    private readonly TimeProvider _timeProvider;

    internal DirectHttpResponse(Http1ConnectionPool<Http1Connection> pool, Http1Connection connection, Http1ResponseHead head, TimeProvider timeProvider)
    {
        _pool = pool;
        _timeProvider = timeProvider;
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

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
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

    /// <summary>
    /// Gives the connection back to the pool: kept when the body was read to its end, closed otherwise. A body left
    /// unread (a reply stream whose response arrived before its end) is drained first, bounded in bytes and time, so
    /// the connection can carry the next request: at once when the rest is already buffered, else in the background.
    /// </summary>
    public override ValueTask DisposeAsync()
    {
        Http1Connection? connection = _connection;
        if (connection is null)
        {
            return ValueTask.CompletedTask;
        }

        _connection = null;
        _bodyPipe?.Detach();
        long drained = 0;
        while (connection.IsReadingBody)
        {
            ValueTask<ReadOnlySequence<byte>> read;
            try
            {
                read = connection.ReadBodyAsync(CancellationToken.None);
                if (!read.IsCompleted)
                {
                    _ = DrainInBackgroundAsync(connection, read, drained);
                    return ValueTask.CompletedTask;
                }

                drained += read.Result.Length;
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                break; // the connection marked itself broken: the pool closes it
            }

            if (drained > MaxDrainBytes)
            {
                connection.Abandon();
            }
        }

        return _pool.ReturnAsync(connection);
    }

    /// <summary>Arms the response for the connection's next request.</summary>
    internal void Rearm() => _connection = _owner;

    private static bool IsConnectionFailure(Exception ex) =>
        ex is Http1ConnectionException or Http1ProtocolException or IOException or InvalidOperationException or OperationCanceledException;

    private async Task DrainInBackgroundAsync(Http1Connection connection, ValueTask<ReadOnlySequence<byte>> pending, long drained)
    {
        // The timer closes the connection if the body does not end in time (which ends the pending read); whichever
        // of the timer and the drain settles first wins, so a connection given back is never closed under its next user.
        var drain = new DrainState(connection);
        using (ITimer timer = _timeProvider.CreateTimer(static s => ((DrainState)s!).TimedOut(), drain, s_drainTimeout, Timeout.InfiniteTimeSpan))
        {
            try
            {
                while (true)
                {
                    ReadOnlySequence<byte> piece = await pending.ConfigureAwait(false);
                    if (piece.IsEmpty)
                    {
                        break;
                    }

                    drained += piece.Length;
                    if (drained > MaxDrainBytes)
                    {
                        connection.Abandon();
                        break;
                    }

                    pending = connection.ReadBodyAsync(CancellationToken.None);
                }
            }
            catch (Exception ex) when (IsConnectionFailure(ex))
            {
                // Broken: the pool closes it.
            }
        }

        if (!drain.TryFinish())
        {
            connection.Abandon(); // the timer won and closed it
        }

        await _pool.ReturnAsync(connection).ConfigureAwait(false);
    }

    /// <summary>The race between a background drain and its deadline.</summary>
    private sealed class DrainState(Http1Connection connection)
    {
        private int _settled;

        public bool TryFinish() => Interlocked.CompareExchange(ref _settled, 1, 0) == 0;

        public void TimedOut()
        {
            if (Interlocked.CompareExchange(ref _settled, 2, 0) == 0)
            {
                connection.Abandon();
                _ = connection.DisposeAsync().AsTask();
            }
        }
    }
}
