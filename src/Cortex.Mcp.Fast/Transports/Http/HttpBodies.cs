using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>Reads response bodies into pooled memory within a size limit, and checks that a body is well-formed UTF-8 JSON.</summary>
internal static class HttpBodies
{
    /// <summary>
    /// Reads the whole body into a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the caller owns the buffer.
    /// A declared length over <paramref name="maxBytes"/> is refused before any read; streamed bytes stop at the limit,
    /// gathered in <see cref="PooledBodyBuilder"/>'s fixed-size segments so that a body refused at the limit has cost
    /// at most the limit plus one small first buffer (doubling would cost up to twice the limit).
    /// </summary>
    /// <exception cref="TransportFailure">Over the limit, or shorter than its declared length.</exception>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public static async ValueTask<(byte[] Buffer, int Length)> ReadPooledAsync(HttpContent content, int maxBytes, CancellationToken cancellationToken)
    {
        var declared = content.Headers.ContentLength;
        if (declared > maxBytes)
        {
            throw TransportFailure.Protocol($"the response declares {declared} bytes, over the limit of {maxBytes}.");
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var body = new PooledBodyBuilder(maxBytes, declared is > 0 ? (int)declared.Value : 0);
        try
        {
            while (true)
            {
                var space = body.GetMemory();
                if (space.IsEmpty)
                {
                    // At the limit: one more byte would cross it, so probe for it before failing.
                    if (await ProbeAsync(stream, cancellationToken).ConfigureAwait(false))
                    {
                        throw TransportFailure.Protocol($"the response exceeds the limit of {maxBytes} bytes.");
                    }

                    break;
                }

                var read = await stream.ReadAsync(space, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                body.Advance(read);
            }

            if (declared is { } expected && expected != body.Length)
            {
                throw TransportFailure.Protocol($"the response ended after {body.Length} of {expected} declared bytes.");
            }

            return body.Complete();
        }
        catch
        {
            body.Release();
            throw;
        }
    }

    /// <summary>Whether the stream has at least one more byte.</summary>
    private static async ValueTask<bool> ProbeAsync(Stream stream, CancellationToken cancellationToken)
    {
        var probe = ArrayPool<byte>.Shared.Rent(1);
        try
        {
            return await stream.ReadAsync(probe.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) != 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(probe);
        }
    }

    /// <summary>
    /// Checks that <paramref name="utf8"/> is one well-formed JSON value within the depth limit and valid UTF-8
    /// throughout (the JSON reader checks UTF-8 only inside strings it decodes; a caller reading the result later
    /// must never meet an invalid sequence).
    /// </summary>
    public static bool IsWellFormedJson(ReadOnlySpan<byte> utf8, out Exception? error)
    {
        if (!Utf8.IsValid(utf8))
        {
            error = new JsonException("The body is not valid UTF-8.");
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
            while (reader.Read())
            {
            }

            error = null;
            return reader.BytesConsumed > 0;
        }
        catch (JsonException ex)
        {
            error = ex;
            return false;
        }
    }
}

/// <summary>
/// Gathers a response body of unknown length into pooled memory within a size limit, for both engines: a small first
/// buffer (most replies fit), then fixed <see cref="SegmentSize"/> segments, copied once into one buffer of the final
/// length only when the body outgrew a single segment.
/// </summary>
/// <remarks>
/// Why segments and not doubling: a doubling buffer that is refused at a 1 MiB limit has rented 4 K + 8 K + … + 1 M,
/// nearly twice the limit, all of it fresh memory when the pool's large buckets are cold. Segments of one size rent
/// exactly the limit (plus the first buffer) before the refusal, and the 64 KiB bucket stays warm across calls. A body
/// that is accepted costs one more copy into its final buffer, as doubling's last step did.
/// A mutable struct: keep it in one local (or an async method's hoisted local) and never copy it.
/// </remarks>
internal struct PooledBodyBuilder
{
    /// <summary>The size of the segments after the first buffer.</summary>
    public const int SegmentSize = 64 * 1024;

    /// <summary>The first buffer's size when no length is declared.</summary>
    public const int InitialBufferSize = 4096;

    private readonly int _maxBytes;
    private byte[] _current;
    private int _currentLength;
    private List<(byte[] Segment, int Length)>? _filled;

    /// <param name="maxBytes">The limit: <see cref="GetMemory"/> never offers space past it.</param>
    /// <param name="declaredLength">A declared body length (at most the limit), or 0: the first buffer then holds it all.</param>
    public PooledBodyBuilder(int maxBytes, int declaredLength)
    {
        Debug.Assert(maxBytes > 0 && declaredLength >= 0 && declaredLength <= maxBytes, "A positive limit, and a declared length within it.");
        _maxBytes = maxBytes;
        _current = ArrayPool<byte>.Shared.Rent(declaredLength > 0 ? declaredLength : Math.Min(InitialBufferSize, maxBytes));
    }

    /// <summary>Bytes gathered so far.</summary>
    public int Length { get; private set; }

    /// <summary>Space for the next read, never past the limit; empty exactly when <see cref="Length"/> is the limit.</summary>
    public Memory<byte> GetMemory()
    {
        var room = _maxBytes - Length;
        if (room == 0)
        {
            return Memory<byte>.Empty;
        }

        if (_currentLength == _current.Length)
        {
            NextSegment(room);
        }

        return _current.AsMemory(_currentLength, Math.Min(_current.Length - _currentLength, room));
    }

    /// <summary>Records <paramref name="count"/> bytes written into the last <see cref="GetMemory"/>.</summary>
    public void Advance(int count)
    {
        Debug.Assert(count >= 0 && _currentLength + count <= _current.Length && Length + count <= _maxBytes, "Advanced within the offered space.");
        _currentLength += count;
        Length += count;
    }

    /// <summary>Copies <paramref name="piece"/> in; false, with nothing copied, when it would cross the limit.</summary>
    public bool TryAppend(in ReadOnlySequence<byte> piece)
    {
        if (piece.Length > _maxBytes - Length)
        {
            return false;
        }

        var rest = piece;
        while (!rest.IsEmpty)
        {
            var space = GetMemory().Span;
            var take = (int)Math.Min(space.Length, rest.Length);
            rest.Slice(0, take).CopyTo(space);
            Advance(take);
            rest = rest.Slice(take);
        }

        return true;
    }

    /// <summary>Hands over one rented buffer holding the whole body (the caller returns it to the pool); the builder
    /// must not be used afterwards.</summary>
    public (byte[] Buffer, int Length) Complete()
    {
        if (_filled is null)
        {
            return (_current, Length);
        }

        var whole = ArrayPool<byte>.Shared.Rent(Length);
        var at = 0;
        foreach (var (segment, length) in _filled)
        {
            segment.AsSpan(0, length).CopyTo(whole.AsSpan(at));
            at += length;
            ArrayPool<byte>.Shared.Return(segment);
        }

        _current.AsSpan(0, _currentLength).CopyTo(whole.AsSpan(at));
        ArrayPool<byte>.Shared.Return(_current);
        _filled = null;
        _current = [];
        return (whole, Length);
    }

    /// <summary>Returns every rented buffer (on failure); the builder must not be used afterwards.</summary>
    public void Release()
    {
        if (_filled is not null)
        {
            foreach (var (segment, _) in _filled)
            {
                ArrayPool<byte>.Shared.Return(segment);
            }

            _filled = null;
        }

        if (_current.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_current);
            _current = [];
        }
    }

    private void NextSegment(int room)
    {
        if (_filled is null && _currentLength < SegmentSize)
        {
            // The small first buffer moves into the first segment, so a body of up to one segment needs no final copy.
            var first = ArrayPool<byte>.Shared.Rent(Math.Min(SegmentSize, _currentLength + room));
            _current.AsSpan(0, _currentLength).CopyTo(first);
            ArrayPool<byte>.Shared.Return(_current);
            _current = first;
            return;
        }

        (_filled ??= []).Add((_current, _currentLength));
        _current = ArrayPool<byte>.Shared.Rent(Math.Min(SegmentSize, room));
        _currentLength = 0;
    }
}
