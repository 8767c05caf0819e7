namespace Cortex.Mcp.Fast.Tests.Transports.Http;

/// <summary>
/// A non-seekable response body (so <see cref="StreamContent"/> declares no length) that hands out its bytes in
/// chunks of at most <c>chunk</c> bytes, then ends, or fails with <c>failAtEnd</c> instead of ending. Counts reads.
/// </summary>
internal sealed class ScriptedBodyStream(byte[] data, int chunk = int.MaxValue, Exception? failAtEnd = null) : Stream
{
    private int _position;

    /// <summary>Reads made so far (a read that returned 0 or threw included).</summary>
    public int Reads { get; private set; }

    /// <summary>True once disposed.</summary>
    public bool Disposed { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <summary>A content over this body, with no declared length unless <paramref name="declaredLength"/> is given.</summary>
    public static StreamContent Content(byte[] data, long? declaredLength = null, int chunk = int.MaxValue, Exception? failAtEnd = null, string? mediaType = null)
    {
        var content = new StreamContent(new ScriptedBodyStream(data, chunk, failAtEnd));
        content.Headers.ContentLength = declaredLength;
        if (mediaType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", mediaType);
        }

        return content;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Reads++;
        var n = Math.Min(Math.Min(buffer.Length, chunk), data.Length - _position);
        if (n == 0 && buffer.Length > 0 && failAtEnd is not null)
        {
            throw failAtEnd;
        }

        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}
