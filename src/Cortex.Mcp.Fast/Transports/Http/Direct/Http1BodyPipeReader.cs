using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Transports.Streams;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// A <see cref="PipeReader"/> over a direct-engine response body, for the event-stream reader: each read hands out
/// the connection's next body piece as it lies in the connection's input (no copy). Only when the reader leaves an
/// incomplete line at the end of a piece are those few bytes carried, joined with the next piece, into a pooled buffer
/// — the connection's input moves past a piece once the next one is read.
/// </summary>
/// <remarks>
/// <para>One reader, one stream at a time; reused by the connection's response object for its next stream.
/// <see cref="CancelPendingRead"/> may come from another thread (the stall watchdog): it ends the read in flight
/// with <see cref="ReadResult.IsCanceled"/> (the connection is then not reused), or the next one if none is.</para>
/// <para>Completing the reader does not free the connection: the response's owner disposes the response.</para>
/// </remarks>
internal sealed class Http1BodyPipeReader : PipeReader
{
    private DirectHttpResponse? _response;
    private LineProgress? _progress;
    private ReadOnlySequence<byte> _view;
    private bool _examinedAll;
    private bool _ended;
    private byte[]? _carry;
    private bool _viewInCarry;
    private int _cancelRequested;
    private CancellationTokenSource? _readCancellation;

    /// <summary>Starts reading the body of <paramref name="response"/>.</summary>
    public void Start(DirectHttpResponse response, LineProgress progress)
    {
        _response = response;
        _progress = progress;
        _view = ReadOnlySequence<byte>.Empty;
        _examinedAll = true;
        _ended = false;
        _viewInCarry = false;
        Volatile.Write(ref _cancelRequested, 0);
        if (_readCancellation is not null && !_readCancellation.TryReset())
        {
            _readCancellation.Dispose();
            _readCancellation = null;
        }
    }

    /// <summary>Forgets the response (it was disposed): reads fail from now on.</summary>
    public void Detach()
    {
        _response = null;
        _view = ReadOnlySequence<byte>.Empty;
        ReleaseCarry();
    }

    public override bool TryRead(out ReadResult result)
    {
        if (Interlocked.Exchange(ref _cancelRequested, 0) == 1)
        {
            result = new ReadResult(_view, isCanceled: true, isCompleted: false);
            return true;
        }

        if (_ended || (!_view.IsEmpty && !_examinedAll))
        {
            result = new ReadResult(_view, isCanceled: false, isCompleted: _ended);
            return true;
        }

        result = default;
        return false;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        return TryRead(out ReadResult result) ? new ValueTask<ReadResult>(result) : ReadMoreAsync(cancellationToken);
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _examinedAll = _view.Slice(examined).IsEmpty;
        ReadOnlySequence<byte> rest = _view.Slice(consumed);

        // An empty view must not keep pointing into the connection's input: the next piece releases that memory.
        _view = rest.IsEmpty ? ReadOnlySequence<byte>.Empty : rest;
        if (rest.IsEmpty)
        {
            _viewInCarry = false;
        }
    }

    public override void CancelPendingRead()
    {
        Volatile.Write(ref _cancelRequested, 1);
        Volatile.Read(ref _readCancellation)?.Cancel();
    }

    public override void Complete(Exception? exception = null)
    {
        _view = ReadOnlySequence<byte>.Empty;
        ReleaseCarry();
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReadMoreAsync(CancellationToken cancellationToken)
    {
        DirectHttpResponse response = _response ?? throw new InvalidOperationException("The body is not being read.");

        // The connection's input moves past the current piece when the next one is read: carry its unread tail first.
        int tail = (int)_view.Length;
        if (tail > 0 && !_viewInCarry)
        {
            byte[] carry = EnsureCarry(tail + 4096, keep: 0);
            _view.CopyTo(carry);
            _view = new ReadOnlySequence<byte>(carry, 0, tail);
            _viewInCarry = true;
        }

        CancellationTokenSource readCancellation = _readCancellation ??= new CancellationTokenSource();
        if (Volatile.Read(ref _cancelRequested) == 1)
        {
            readCancellation.Cancel(); // asked for before this read began: it ends at once
        }

        ReadOnlySequence<byte> piece;
        using (cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), readCancellation))
        {
            try
            {
                piece = await response.ReadBodyAsync(readCancellation.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && Interlocked.Exchange(ref _cancelRequested, 0) == 1)
            {
                return new ReadResult(_view, isCanceled: true, isCompleted: false);
            }
            catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(ex.Message, ex, cancellationToken);
            }
        }

        _progress!.Note(piece);
        if (piece.IsEmpty)
        {
            _ended = true;
            return new ReadResult(_view, isCanceled: false, isCompleted: true);
        }

        _examinedAll = false;
        if (tail == 0)
        {
            _view = piece;
            _viewInCarry = false;
            return new ReadResult(_view, isCanceled: false, isCompleted: false);
        }

        // Join the carried tail and the new piece (the tail may sit anywhere in the carry buffer: move it to the front).
        int length = tail + (int)piece.Length;
        byte[] joined = EnsureCarry(length, keep: tail);
        piece.CopyTo(joined.AsSpan(tail));
        _view = new ReadOnlySequence<byte>(joined, 0, length);
        return new ReadResult(_view, isCanceled: false, isCompleted: false);
    }

    /// <summary>A carry buffer of at least <paramref name="size"/> bytes whose first <paramref name="keep"/> bytes are the current view's.</summary>
    private byte[] EnsureCarry(int size, int keep)
    {
        byte[]? carry = _carry;
        if (carry is not null && carry.Length >= size)
        {
            if (keep > 0)
            {
                _view.CopyTo(carry); // overlapping move to the front is safe
            }

            return carry;
        }

        byte[] larger = ArrayPool<byte>.Shared.Rent(size);
        if (keep > 0)
        {
            _view.CopyTo(larger);
        }

        if (carry is not null)
        {
            ArrayPool<byte>.Shared.Return(carry);
        }

        _carry = larger;
        return larger;
    }

    private void ReleaseCarry()
    {
        if (_carry is { } carry)
        {
            _carry = null;
            _viewInCarry = false;
            ArrayPool<byte>.Shared.Return(carry);
        }
    }
}
