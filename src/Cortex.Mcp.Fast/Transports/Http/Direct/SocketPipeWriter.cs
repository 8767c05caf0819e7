using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// A <see cref="PipeWriter"/> straight over a connected <see cref="Socket"/>: the request is written into one pooled
/// buffer and <see cref="FlushAsync"/> sends it from the caller's own flow (one send for a whole request that fits).
/// </summary>
/// <remarks>
/// <para>Why not a send loop behind a <see cref="Pipe"/>: the loop would wake on another thread to send what the
/// caller just wrote; sending inline saves that hop, and tells exactly how many bytes the kernel took
/// (<see cref="BytesSent"/>) — a send refused before its first byte means the request provably never left.</para>
/// <para>One writer at a time (the connection's owner). The buffer grows to hold the largest request written and
/// goes back to its first size after a flush when it grew past <see cref="SocketPipeReader.GrowLimit"/>.</para>
/// </remarks>
internal sealed class SocketPipeWriter : PipeWriter
{
    private const int Idle = 0;
    private const int Sending = 1;
    private const int Retired = 2;

    private readonly Socket _socket;
    private byte[] _buffer;
    private int _written;
    private long _bytesSent;
    private int _state;

    public SocketPipeWriter(Socket socket)
    {
        _socket = socket;
        _buffer = ArrayPool<byte>.Shared.Rent(SocketPipeReader.InitialSize);
    }

    /// <summary>Gets the bytes the kernel accepted so far.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => _written;

    public override void Advance(int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes > _buffer.Length - _written)
        {
            throw new InvalidOperationException("Advanced past the memory handed out.");
        }

        _written += bytes;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public override void CancelPendingFlush()
    {
        // A flush is a send in progress on the caller's flow; it ends by its token.
    }

    public override void Complete(Exception? exception = null)
    {
        // A send still in flight (the socket is being closed under it) may yet read the buffer: then it is left to
        // the collector instead of going back to the pool.
        if (Interlocked.Exchange(ref _state, Retired) == Idle)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = [];
        _written = 0;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == Retired, this);
        return _written == 0 ? new ValueTask<FlushResult>(default(FlushResult)) : SendAsync(cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> SendAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Interlocked.CompareExchange(ref _state, Sending, Idle) != Idle, this);

        try
        {
            for (int offset = 0; offset < _written;)
            {
                int sent = await _socket.SendAsync(_buffer.AsMemory(offset, _written - offset), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                offset += sent;
                Interlocked.Add(ref _bytesSent, sent);
            }
        }
        finally
        {
            _written = 0;
            Interlocked.CompareExchange(ref _state, Idle, Sending);
        }

        if (_buffer.Length > SocketPipeReader.GrowLimit && Volatile.Read(ref _state) == Idle)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(SocketPipeReader.InitialSize);
        }

        return default;
    }

    private void EnsureFree(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == Retired, this);
        int wanted = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= wanted)
        {
            return;
        }

        int size = Math.Max(_buffer.Length * 2, checked(_written + wanted));
        byte[] next = ArrayPool<byte>.Shared.Rent(size);
        Buffer.BlockCopy(_buffer, 0, next, 0, _written);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }
}
