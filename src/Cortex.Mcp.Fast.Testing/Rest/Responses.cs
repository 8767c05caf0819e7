using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace Cortex.Mcp.Fast.Testing.Rest;

/// <summary>
/// Writes complete, small responses with a <c>Content-Length</c> (no chunking) and without per-request buffers:
/// JSON is formatted into a per-thread buffer and copied synchronously into the response pipe, which Kestrel
/// flushes when the request delegate completes.
/// </summary>
internal static class Responses
{
    public const string JsonContentType = "application/json";
    private const int MaxRetainedBuffer = 64 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Writes <paramref name="status"/> and a JSON body produced by <paramref name="write"/>
    /// (which must not await: the buffer belongs to this thread).</summary>
    public static void WriteJson<TState>(HttpResponse response, int status, TState state, Action<Utf8JsonWriter, TState> write)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer);
        }
        else
        {
            writer.Reset(buffer);
        }

        write(writer, state);
        writer.Flush();

        response.StatusCode = status;
        response.ContentType = JsonContentType;
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);

        if (buffer.Capacity > MaxRetainedBuffer)
        {
            t_buffer = null;
            t_writer = null;
        }
    }

    /// <summary>Writes a bare UTF-8 text body.</summary>
    public static void WriteText(HttpResponse response, int status, string contentType, string text)
    {
        response.StatusCode = status;
        response.ContentType = contentType;
        var length = Encoding.UTF8.GetByteCount(text);
        response.ContentLength = length;
        var span = response.BodyWriter.GetSpan(length);
        var written = Encoding.UTF8.GetBytes(text, span);
        response.BodyWriter.Advance(written);
    }

    /// <summary>Writes a protocol error, always as <c>{"detail": "..."}</c> (404, 400, 401, 405, ...).</summary>
    public static void WriteDetail(HttpResponse response, int status, string detail)
        => WriteError(response, status, detail, ErrorBodyForm.JsonDetail, retryAfter: null);

    /// <summary>Writes an error in the given body form, with an optional <c>Retry-After</c> header.</summary>
    public static void WriteError(HttpResponse response, int status, string message, ErrorBodyForm form, string? retryAfter)
    {
        if (retryAfter is not null)
        {
            response.Headers.RetryAfter = retryAfter;
        }

        switch (form)
        {
            case ErrorBodyForm.JsonMessage:
                WriteJson(response, status, message, static (w, m) =>
                {
                    w.WriteStartObject();
                    w.WriteString("message"u8, m);
                    w.WriteEndObject();
                });
                break;
            case ErrorBodyForm.PlainText:
                WriteText(response, status, "text/plain; charset=utf-8", message);
                break;
            case ErrorBodyForm.Html:
                var reason = ReasonPhrases.GetReasonPhrase(status);
                WriteText(response, status, "text/html; charset=utf-8",
                    $"<!DOCTYPE html><html><head><title>{status} {reason}</title></head><body><h1>{status} {reason}</h1><p>{WebUtility.HtmlEncode(message)}</p></body></html>");
                break;
            case ErrorBodyForm.Empty:
                response.StatusCode = status;
                response.ContentLength = 0;
                break;
            default:
                WriteJson(response, status, message, static (w, m) =>
                {
                    w.WriteStartObject();
                    w.WriteString("detail"u8, m);
                    w.WriteEndObject();
                });
                break;
        }
    }

    /// <summary>Writes <c>405</c> with an <c>Allow</c> header.</summary>
    public static void WriteMethodNotAllowed(HttpResponse response, string allow)
    {
        response.Headers.Allow = allow;
        WriteDetail(response, StatusCodes.Status405MethodNotAllowed, "Method not allowed");
    }
}
