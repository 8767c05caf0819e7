using System.Buffers;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> over arrays rented from <see cref="ArrayPool{T}.Shared"/>: request bodies are
/// written here and sent from here, then the array goes back to the pool.
/// </summary>
/// <remarks>Not thread-safe; one owner. <see cref="Dispose"/> returns the array (idempotent while the writer is not
/// rented again; a writer from <see cref="Rent"/> must not be used or disposed after its first dispose).</remarks>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    // One disposed writer per thread, for Rent: every tools/call writes its body into one, and the request is sent
    // and the writer disposed on the thread that will write the next one (the reply's, see WorkerHandOff).
    [ThreadStatic]
    private static PooledBufferWriter? t_cached;

    private byte[] _buffer;
    private int _written;

    public PooledBufferWriter(int initialSize = 512) => _buffer = ArrayPool<byte>.Shared.Rent(initialSize);

    /// <summary>
    /// A writer from this thread's slot, or a new one. The caller disposes it exactly once (with <c>using</c>) and
    /// never touches it afterwards: disposing puts it back in the slot of the thread that disposes it.
    /// </summary>
    public static PooledBufferWriter Rent(int initialSize = 512)
    {
        if (t_cached is { } cached)
        {
            t_cached = null;
            cached._buffer = ArrayPool<byte>.Shared.Rent(initialSize);
            return cached;
        }

        return new PooledBufferWriter(initialSize);
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _written);

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_written + count > _buffer.Length)
        {
            throw new InvalidOperationException("Advanced past the end of the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Forgets what was written; keeps the array.</summary>
    public void Clear() => _written = 0;

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        _written = 0;
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            t_cached ??= this; // only the first dispose gives it back: a second finds an empty buffer
        }
    }

    private void Ensure(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_buffer.Length == 0, this);
        var needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
