using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// A <see cref="PipeReader"/> straight over a connected <see cref="Socket"/>: <see cref="ReadAsync"/> receives into
/// one pooled, contiguous buffer on the caller's own flow, so the response is parsed where the kernel put it.
/// </summary>
/// <remarks>
/// <para>Why not a <see cref="Pipe"/> fed by a receive loop (Pipelines.Sockets.Unofficial's <c>SocketConnection</c>):
/// a loop that receives on its own and hands bytes over through a pipe adds a thread hop and a pipe signal to every
/// response; an HTTP/1.1 client reads only while it waits for its own response, so it can receive inline as a bare
/// socket loop does.</para>
/// <para>One reader at a time (the connection's owner). The buffer starts at 4 KiB, doubles while receives fill it
/// (up to <see cref="GrowLimit"/> for throughput) or while a caller holds more than it (a response head up to the
/// limits), and goes back to its first size when emptied after growing past <see cref="GrowLimit"/>. Bytes the caller
/// has not consumed are moved to the front before a receive; sequences handed out are valid until the next
/// <see cref="AdvanceTo(SequencePosition, SequencePosition)"/>, as the <see cref="PipeReader"/> contract says.</para>
/// <para><see cref="CancelPendingRead"/> is honoured at the next read; an in-flight receive ends by its token.</para>
/// </remarks>
internal sealed class SocketPipeReader : PipeReader
{
    /// <summary>The buffer's first size.</summary>
    internal const int InitialSize = 4096;

    /// <summary>Receives that fill the buffer grow it up to this size; a buffer past it shrinks back once emptied.</summary>
    internal const int GrowLimit = 64 * 1024;

    private const int Idle = 0;
    private const int Receiving = 1;
    private const int Retired = 2;

    private readonly Socket _socket;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private int _examined;
    private bool _finReceived;
    private bool _lastReceiveFilled;
    private bool _cancelRequested;
    private int _state;

    /// <summary>The receive started when the connection went idle (see <see cref="StartReadAhead"/>).</summary>
    private ValueTask<int> _readAhead;
    private bool _readAheadPending;

    public SocketPipeReader(Socket socket)
    {
        _socket = socket;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialSize);
    }

    /// <summary>Gets a value indicating whether bytes were received and not yet consumed.</summary>
    public bool HasUnconsumedBytes => _end > _start;

    /// <summary>
    /// Starts receiving while the connection is idle, as <c>SocketsHttpHandler</c> does: the next response arrives into
    /// this receive, and until then an idle check is free (a receive that completed means the server closed, reset or
    /// sent stray bytes) instead of a <see cref="Socket.Poll(int, SelectMode)"/> system call per request.
    /// </summary>
    /// <remarks>Only with nothing unconsumed and no receive in flight; a read then awaits it (a cancelled read closes
    /// the socket, since the receive itself cannot be cancelled: the connection is not reused after a cancelled read).</remarks>
    public void StartReadAhead()
    {
        if (_readAheadPending || _finReceived || _end > _start || Interlocked.CompareExchange(ref _state, Receiving, Idle) != Idle)
        {
            return;
        }

        _start = _end = _examined = 0;
        // Kept, and consumed exactly once: by TryRead when it completed, or by the next read.
#pragma warning disable CA2012
        _readAhead = _socket.ReceiveAsync(_buffer.AsMemory(), SocketFlags.None, CancellationToken.None);
#pragma warning restore CA2012
        _readAheadPending = true;
    }

    public override bool TryRead(out ReadResult result)
    {
        ThrowIfRetired();
        if (Volatile.Read(ref _cancelRequested))
        {
            Volatile.Write(ref _cancelRequested, false);
            result = Current(isCanceled: true);
            return true;
        }

        if (_end > _examined || _finReceived)
        {
            result = Current(isCanceled: false);
            return true;
        }

        if (_readAheadPending)
        {
            if (!_readAhead.IsCompleted)
            {
                result = default;
                return false;
            }

            Received(TakeReadAhead());
            result = Current(isCanceled: false);
            return true;
        }

        // Nothing unexamined is buffered: ask the socket without waiting. Readable with nothing to read is the FIN.
        if (!_socket.Poll(0, SelectMode.SelectRead))
        {
            result = default;
            return false;
        }

        MakeRoom();
        int received = _socket.Receive(_buffer, _end, _buffer.Length - _end, SocketFlags.None);
        Received(received);
        result = Current(isCanceled: false);
        return true;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfRetired();
        if (Volatile.Read(ref _cancelRequested))
        {
            Volatile.Write(ref _cancelRequested, false);
            return new ValueTask<ReadResult>(Current(isCanceled: true));
        }

        if (_end > _examined || _finReceived)
        {
            return new ValueTask<ReadResult>(Current(isCanceled: false));
        }

        return _readAheadPending ? AwaitReadAheadAsync(cancellationToken) : ReceiveAsync(cancellationToken);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        int consumedIndex = IndexOf(consumed);
        int examinedIndex = IndexOf(examined);
        if (consumedIndex < _start || examinedIndex < consumedIndex || examinedIndex > _end)
        {
            throw new InvalidOperationException("The positions are not within the last buffer read.");
        }

        _start = consumedIndex;
        _examined = examinedIndex;
        if (_start == _end)
        {
            _start = _end = _examined = 0;
            if (_buffer.Length > GrowLimit && !_readAheadPending)
            {
                Replace(InitialSize, keep: 0);
            }
        }
    }

    public override void CancelPendingRead() => Volatile.Write(ref _cancelRequested, true);

    public override void Complete(Exception? exception = null)
    {
        // A receive still in flight (the socket is being closed under it) may yet write into the buffer: then the
        // buffer is left to the collector instead of going back to the pool.
        int previous = Interlocked.Exchange(ref _state, Retired);
        if (previous == Idle)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = [];
        _start = _end = _examined = 0;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReceiveAsync(CancellationToken cancellationToken)
    {
        MakeRoom();
        ObjectDisposedException.ThrowIf(Interlocked.CompareExchange(ref _state, Receiving, Idle) != Idle, this);

        int received;
        try
        {
            received = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.CompareExchange(ref _state, Idle, Receiving);
        }

        return Finish(received);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> AwaitReadAheadAsync(CancellationToken cancellationToken)
    {
        int received = 0;
        if (_readAhead.IsCompleted)
        {
            received = TakeReadAhead();
        }
        else
        {
            // The receive was started without a token; a cancelled read closes the socket to end it.
            using CancellationTokenRegistration registration = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static socket => ((Socket)socket!).Dispose(), _socket)
                : default;
            try
            {
                received = await _readAhead.ConfigureAwait(false);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                // Observed below, as the cancellation it is.
            }
            finally
            {
                ClearReadAhead();
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Finish(received);
    }

    /// <summary>Ends a receive of <paramref name="received"/> bytes: refused once retired, then the buffered bytes,
    /// flagged as cancelled when <see cref="CancelPendingRead"/> came meanwhile (the flag is consumed).</summary>
    private ReadResult Finish(int received)
    {
        ThrowIfRetired();
        Received(received);
        bool canceled = Volatile.Read(ref _cancelRequested);
        if (canceled)
        {
            Volatile.Write(ref _cancelRequested, false);
        }

        return Current(canceled);
    }

    /// <summary>The completed read-ahead's byte count (or its exception); the reader is idle again.</summary>
    private int TakeReadAhead()
    {
        try
        {
            return _readAhead.GetAwaiter().GetResult();
        }
        finally
        {
            ClearReadAhead();
        }
    }

    private void ClearReadAhead()
    {
        _readAheadPending = false;
        _readAhead = default;
        Interlocked.CompareExchange(ref _state, Idle, Receiving);
    }

    private void Received(int received)
    {
        if (received == 0)
        {
            _finReceived = true;
            return;
        }

        _lastReceiveFilled = _end + received == _buffer.Length;
        _end += received;
    }

    private ReadResult Current(bool isCanceled) =>
        new ReadResult(new ReadOnlySequence<byte>(_buffer, _start, _end - _start), isCanceled, _finReceived);

    /// <summary>Makes free space after <see cref="_end"/>: moves unconsumed bytes to the front, or grows the buffer.</summary>
    private void MakeRoom()
    {
        bool receivesFillIt = _lastReceiveFilled && _buffer.Length < GrowLimit;
        if (_end < _buffer.Length && !receivesFillIt)
        {
            return;
        }

        int held = _end - _start;
        if (receivesFillIt || held * 2 > _buffer.Length)
        {
            Replace(_buffer.Length * 2, held);
        }
        else if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, held);
        }

        _examined -= _start;
        _start = 0;
        _end = held;
        _lastReceiveFilled = false;
    }

    private void Replace(int size, int keep)
    {
        byte[] next = ArrayPool<byte>.Shared.Rent(size);
        Buffer.BlockCopy(_buffer, _start, next, 0, keep);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = next;
    }

    private int IndexOf(SequencePosition position)
    {
        if (!ReferenceEquals(position.GetObject(), _buffer))
        {
            throw new InvalidOperationException("The position does not belong to this reader's buffer.");
        }

        return position.GetInteger();
    }

    private void ThrowIfRetired() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _state) == Retired, this);
}
