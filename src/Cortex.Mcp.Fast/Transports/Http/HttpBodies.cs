using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>Reads response bodies into pooled memory within a size limit, and checks that a body is well-formed UTF-8 JSON.</summary>
internal static class HttpBodies
{
    private const int InitialBufferSize = 4096;

    /// <summary>
    /// Reads the whole body into a buffer rented from <see cref="ArrayPool{T}.Shared"/>; the caller owns the buffer.
    /// A declared length over <paramref name="maxBytes"/> is refused before any read; streamed bytes stop at the limit
    /// (the buffer grows by doubling, never past the limit).
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
        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 ? (int)declared.Value : Math.Min(InitialBufferSize, maxBytes));
        var length = 0;
        try
        {
            while (true)
            {
                // A rented buffer may be larger than asked for: the limit, not the buffer, bounds what is read.
                if (length == Math.Min(buffer.Length, maxBytes) || length == buffer.Length)
                {
                    if (length >= maxBytes)
                    {
                        // One more byte would cross the limit: probe for it before failing.
                        var probe = ArrayPool<byte>.Shared.Rent(1);
                        try
                        {
                            if (await stream.ReadAsync(probe.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) == 0)
                            {
                                break;
                            }
                        }
                        finally
                        {
                            ArrayPool<byte>.Shared.Return(probe);
                        }

                        throw TransportFailure.Protocol($"the response exceeds the limit of {maxBytes} bytes.");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, maxBytes));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length, Math.Min(buffer.Length, maxBytes) - length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (declared is { } expected && expected != length)
            {
                throw TransportFailure.Protocol($"the response ended after {length} of {expected} declared bytes.");
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
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
