using System.Buffers;
using System.Text.Json;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>
/// What a non-success response said: its status, its <c>Retry-After</c>, and a short sanitised detail read from at
/// most <see cref="MaxErrorBody"/> bytes of its body (a JSON-RPC error's message, a JSON <c>detail</c> or
/// <c>message</c> field, else the text). Reading it never throws: a body that cannot be read, is not UTF-8 or not
/// JSON still leaves the status, which is what decides retries and the breaker.
/// </summary>
internal readonly struct HttpErrorResponse
{
    /// <summary>Largest error body read for its message.</summary>
    public const int MaxErrorBody = 64 * 1024;

    private HttpErrorResponse(int status, TimeSpan? retryAfter, string detail, HttpErrorBody jsonRpc)
    {
        Status = status;
        RetryAfter = retryAfter;
        Detail = detail;
        JsonRpc = jsonRpc;
    }

    /// <summary>The HTTP status.</summary>
    public int Status { get; }

    /// <summary>The server's <c>Retry-After</c>, when valid.</summary>
    public TimeSpan? RetryAfter { get; }

    /// <summary>The sanitised, redacted detail (never empty).</summary>
    public string Detail { get; }

    /// <summary>The JSON-RPC error of the body, when it carried one.</summary>
    public HttpErrorBody JsonRpc { get; }

    /// <summary>True for 3xx: a redirect, which is never followed (it would carry session and auth headers elsewhere).</summary>
    public bool IsRedirect => Status is >= 300 and < 400;

    /// <summary>Reads the error of <paramref name="response"/>.</summary>
    public static async ValueTask<HttpErrorResponse> ReadAsync(HttpEngineResponse response, TimeProvider timeProvider, SecretRedactor redactor, CancellationToken cancellationToken)
    {
        var status = response.Status;
        var retryAfter = RetryAfterHeader.Read(response.RetryAfter, timeProvider);
        if (status is >= 300 and < 400)
        {
            return new HttpErrorResponse(status, retryAfter, $"HTTP {status} (a redirect to another location; redirects are not followed).", default);
        }

        byte[]? buffer = null;
        var length = 0;
        try
        {
            (buffer, length) = await response.ReadBodyPooledAsync(MaxErrorBody, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The status alone still tells what happened.
        }

        try
        {
            var body = buffer.AsSpan(0, length);
            var mediaType = response.MediaType;
            var jsonRpc = McpHttpErrorBody.Parse(body, mediaType);
            string text;
            if (jsonRpc.HasJsonRpcError)
            {
                text = $"JSON-RPC error {jsonRpc.Code}: {TextSanitizer.Sanitize(jsonRpc.Message, redactor)}";
            }
            else if (IsJson(mediaType) && TryReadDetail(body, out var detail))
            {
                text = TextSanitizer.Sanitize(detail, redactor);
            }
            else
            {
                text = length == 0 ? "(empty body)" : TextSanitizer.FromUtf8(body, redactor);
            }

            return new HttpErrorResponse(status, retryAfter, $"HTTP {status}: {text}", jsonRpc);
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    /// <summary>The failure report of this response: a status failure (or a redirect).</summary>
    public TransportFailure ToFailure() => TransportFailure.Status(Status, Detail, RetryAfter);

    private static bool IsJson(string? media) =>
        media is not null && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>The seed's error body: JSON <c>detail</c> (preferred) or <c>message</c>. Never throws.</summary>
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
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // A truncated error body may still have carried its detail before the cut; invalid UTF-8 inside a
            // string (InvalidOperationException from GetString) falls back to the lenient text form.
            return detail.Length > 0;
        }
    }
}
