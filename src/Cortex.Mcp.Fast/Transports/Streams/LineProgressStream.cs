using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>
/// A read-only view of a response body that notes every read into a <see cref="LineProgress"/> (the default engine's
/// body is a <see cref="Stream"/>; the direct engine notes its pipe pieces itself).
/// </summary>
internal sealed class LineProgressStream(Stream inner, LineProgress progress) : Stream
{
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

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<int> AwaitReadAsync(ValueTask<int> pending, Memory<byte> buffer)
    {
        var read = await pending.ConfigureAwait(false);
        Note(buffer.Span[..read]);
        return read;
    }

    private void Note(ReadOnlySpan<byte> chunk) => progress.Note(chunk);
}
