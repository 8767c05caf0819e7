using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Transports;

/// <summary>Reading response bodies into pooled memory, within a size limit, and turning error responses into typed exceptions.</summary>
internal static class HttpBodies
{
    private const int InitialBufferSize = 4096;
    private const int MaxErrorSnippet = 1024;

    /// <summary>
    /// Reads the whole body into a buffer rented from <see cref="ArrayPool{T}.Shared"/>. The caller owns the buffer.
    /// A declared length over <paramref name="maxBytes"/> is refused before any read; streamed bytes stop at the limit.
    /// </summary>
    public static async ValueTask<(byte[] Buffer, int Length)> ReadPooledAsync(
        HttpContent content, int maxBytes, string service, string tool, CancellationToken cancellationToken)
    {
        var declared = content.Headers.ContentLength;
        if (declared > maxBytes)
        {
            throw new ServiceProtocolException(service, tool, $"The response declares {declared} bytes, over the limit of {maxBytes}.");
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(declared is > 0 ? (int)declared.Value : InitialBufferSize);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length >= maxBytes)
                    {
                        // One more byte would cross the limit: probe for it before failing.
                        var probe = new byte[1];
                        if (await stream.ReadAsync(probe, cancellationToken).ConfigureAwait(false) == 0)
                        {
                            break;
                        }

                        throw new ServiceProtocolException(service, tool, $"The response exceeds the limit of {maxBytes} bytes.");
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
                throw new ServiceProtocolException(service, tool, $"The response ended after {length} of {expected} declared bytes.");
            }

            return (buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    /// <summary>Checks that <paramref name="utf8"/> is one well-formed JSON value within the depth limit.</summary>
    public static bool IsWellFormedJson(ReadOnlySpan<byte> utf8, out JsonException? error)
    {
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

    /// <summary>
    /// Builds the typed error of a non-success response, reading at most 1 KiB of its body for the message
    /// (the seed's <c>_handle_error</c>: JSON <c>detail</c> or <c>message</c>, else text).
    /// </summary>
    public static async ValueTask<ServiceCallException> CreateErrorAsync(
        HttpResponseMessage response, string service, string tool, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        string detail;
        try
        {
            detail = await ReadErrorDetailAsync(response.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            detail = "(error body unreadable)";
        }

        var retryAfter = ReadRetryAfter(response.Headers, timeProvider);
        var message = status is >= 300 and < 400
            ? $"Service '{service}' answered {status} (redirect to another location); redirects are not followed."
            : $"Service '{service}' tool '{tool}' failed with HTTP {status}: {detail}";
        return new ServiceCallException(service, tool, message, FailureKind.HttpStatus)
        {
            StatusCode = status,
            RetryAfter = retryAfter,
        };
    }

    /// <summary>Parses <c>Retry-After</c> (delta-seconds or HTTP-date); null when absent or invalid.</summary>
    public static TimeSpan? ReadRetryAfter(HttpResponseHeaders headers, TimeProvider timeProvider)
    {
        if (!headers.TryGetValues("Retry-After", out var values))
        {
            return null;
        }

        foreach (var value in values)
        {
            if (RetryPolicy.TryParseRetryAfter(value, timeProvider.GetUtcNow(), out var delay))
            {
                return delay;
            }
        }

        return null;
    }

    private static async ValueTask<string> ReadErrorDetailAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(MaxErrorSnippet);
        try
        {
            var length = 0;
            int read;
            while (length < MaxErrorSnippet
                && (read = await stream.ReadAsync(buffer.AsMemory(length, MaxErrorSnippet - length), cancellationToken).ConfigureAwait(false)) > 0)
            {
                length += read;
            }

            var body = buffer.AsSpan(0, length);
            if (IsJson(content.Headers.ContentType) && TryReadDetail(body, out var detail))
            {
                return Sanitize(detail);
            }

            return length == 0 ? "(empty body)" : Sanitize(Encoding.UTF8.GetString(body));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool IsJson(MediaTypeHeaderValue? type) =>
        type?.MediaType is { } media && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static bool TryReadDetail(ReadOnlySpan<byte> body, out string detail)
    {
        detail = string.Empty;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            string? message = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isDetail = reader.ValueTextEquals("detail"u8);
                var isMessage = reader.ValueTextEquals("message"u8);
                reader.Read();
                if ((isDetail || isMessage) && reader.TokenType == JsonTokenType.String)
                {
                    var text = reader.GetString();
                    if (isDetail)
                    {
                        detail = text ?? string.Empty;
                        return true;
                    }

                    message ??= text;
                }
                else
                {
                    reader.Skip();
                }
            }

            detail = message ?? string.Empty;
            return message is not null;
        }
        catch (JsonException)
        {
            // A truncated error body still may have carried its detail before the cut; otherwise fall back to text.
            return detail.Length > 0;
        }
    }

    private static string Sanitize(string text)
    {
        // Error text is shown to callers and logs: no control characters, bounded length.
        var span = text.AsSpan().Trim();
        var builder = new StringBuilder(Math.Min(span.Length, 512));
        foreach (var c in span)
        {
            if (builder.Length >= 512)
            {
                builder.Append('…');
                break;
            }

            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        return builder.ToString();
    }
}
