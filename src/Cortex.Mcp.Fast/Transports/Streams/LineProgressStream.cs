using System.Runtime.CompilerServices;

namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>
/// A read-only view of a response body that notes when a line was left incomplete: after each read, the time the
/// current partial line began (0 when the bytes read so far end on a line break). <see cref="StallWatchdog"/> reads it.
/// </summary>
/// <remarks>One vectorised <c>LastIndexOfAny</c> over each chunk read, and one timestamp per read: cheap next to the
/// read itself. The stall rule is about bytes, not about what they mean, so the parser needs no hook.</remarks>
internal sealed class LineProgressStream(Stream inner, TimeProvider timeProvider) : Stream
{
    private long _partialSince;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the current incomplete line began; 0 when none is pending.</summary>
    public long PartialLineSince => Volatile.Read(ref _partialSince);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var pending = inner.ReadAsync(buffer, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            var read = pending.Result;
            Note(buffer.Span[..read]);
            return new ValueTask<int>(read);
        }

        return AwaitReadAsync(pending, buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        var read = inner.Read(buffer, offset, count);
        Note(buffer.AsSpan(offset, read));
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> AwaitReadAsync(ValueTask<int> pending, Memory<byte> buffer)
    {
        var read = await pending.ConfigureAwait(false);
        Note(buffer.Span[..read]);
        return read;
    }

    private void Note(ReadOnlySpan<byte> chunk)
    {
        if (chunk.IsEmpty)
        {
            return;
        }

        var lastBreak = chunk.LastIndexOfAny((byte)'\r', (byte)'\n');
        if (lastBreak == chunk.Length - 1)
        {
            Volatile.Write(ref _partialSince, 0); // every line complete
        }
        else if (lastBreak >= 0 || Volatile.Read(ref _partialSince) == 0)
        {
            Volatile.Write(ref _partialSince, timeProvider.GetTimestamp()); // a new partial line began in this chunk
        }
    }
}
