using System.Buffers;
using System.Diagnostics;

namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}.Shared"/>, bounded by a hard limit given on every
/// append. Once it has grown to the size a stream needs it is reused, so steady-state appends do not allocate.
/// </summary>
/// <remarks>A mutable struct: keep it in a field and call it in place, never copy it.</remarks>
internal struct PooledByteBuffer
{
#if DEBUG
    /// <summary>Smaller first rent in debug builds to exercise the growth path.</summary>
    private const int InitialSize = 16;
#else
    /// <summary>The first rent: room for a typical MCP JSON-RPC event without growing.</summary>
    private const int InitialSize = 512;
#endif

    /// <summary>The rented array, or null before the first append and after <see cref="Dispose"/>.</summary>
    private byte[]? _array;

    /// <summary>The number of valid bytes at the start of <see cref="_array"/>.</summary>
    private int _length;

    /// <summary>Gets the number of bytes held.</summary>
    public readonly int Length => _length;

    /// <summary>Gets the bytes held. Valid until the next append, <see cref="Set"/> or <see cref="Dispose"/>.</summary>
    public readonly ReadOnlySpan<byte> Span => new(_array, 0, _length);

    /// <summary>Forgets the bytes held but keeps the array for reuse.</summary>
    public void Clear() => _length = 0;

    /// <summary>Replaces the content with <paramref name="value"/>.</summary>
    public void Set(ReadOnlySpan<byte> value, int limit, SseLimit kind)
    {
        _length = 0;
        Append(value, limit, kind);
    }

    /// <summary>Appends <paramref name="value"/>, throwing when the result would be longer than <paramref name="limit"/>.</summary>
    public void Append(ReadOnlySpan<byte> value, int limit, SseLimit kind)
    {
        AssertInvariants(limit);
        if ((uint)value.Length > (uint)(limit - _length))
        {
            SseLimitExceededException.Throw(kind, limit);
        }

        int newLength = _length + value.Length;
        if (_array is null || newLength > _array.Length)
        {
            Grow(newLength, limit);
        }

        value.CopyTo(_array.AsSpan(_length));
        _length = newLength;
    }

    /// <summary>
    /// Appends LF then <paramref name="value"/> when the buffer already holds a line, else just the value: the join
    /// of data lines, with the limit counted on the joined bytes.
    /// </summary>
    public void AppendLine(ReadOnlySpan<byte> value, bool separate, int limit, SseLimit kind)
    {
        AssertInvariants(limit);
        int separator = separate ? 1 : 0;
        if ((uint)value.Length + (uint)separator > (uint)(limit - _length))
        {
            SseLimitExceededException.Throw(kind, limit);
        }

        int newLength = _length + separator + value.Length;
        if (_array is null || newLength > _array.Length)
        {
            Grow(newLength, limit);
        }

        if (separate)
        {
            _array[_length] = SseFieldNames.LF;
        }

        value.CopyTo(_array.AsSpan(_length + separator));
        _length = newLength;
    }

    /// <summary>Returns the array to the pool.</summary>
    public void Dispose()
    {
        byte[]? array = _array;
        _array = null;
        _length = 0;
        if (array is not null)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
    }

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(_array))]
    private void Grow(int needed, int limit)
    {
        // Double, but never rent more than the limit needs: memory stays bounded by the limits, not by the stream.
        int current = _array?.Length ?? 0;
        int size = current == 0 ? Math.Min(InitialSize, limit) : (int)Math.Min(2L * current, limit);
        size = Math.Max(size, needed);
        byte[] bigger = ArrayPool<byte>.Shared.Rent(size);
        byte[]? old = _array;
        if (old is not null)
        {
            old.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(old);
        }

        _array = bigger;
    }

    [Conditional("DEBUG")]
    private readonly void AssertInvariants(int limit)
    {
        Debug.Assert(_length >= 0 && _length <= limit, "The buffer never holds more than its limit.");
        Debug.Assert(_array is not null || _length == 0, "A buffer without an array holds nothing.");
        Debug.Assert(_array is null || _length <= _array.Length, "The length never passes the array.");
    }
}
