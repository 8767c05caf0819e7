using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>
/// JSON-RPC messages are formatted with one per-thread <see cref="Utf8JsonWriter"/> into a per-thread buffer and
/// handed on at once (copied into the response pipe, or into an SSE event): between <see cref="Begin"/> and the use
/// of <see cref="End"/>'s span there must be no <c>await</c>.
/// </summary>
internal static class McpJson
{
    public const string JsonContentType = "application/json";
    public const string EventStreamContentType = "text/event-stream";
    private const int MaxRetainedBuffer = 64 * 1024;

    private static readonly JsonWriterOptions s_options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // valid JSON, fewer escapes: a test server, not HTML
        SkipValidation = true,
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>The thread's writer, reset to an empty buffer.</summary>
    public static Utf8JsonWriter Begin()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer, s_options);
        }
        else
        {
            writer.Reset(buffer);
        }

        return writer;
    }

    /// <summary>Flushes the writer and returns what it wrote; valid until the next <see cref="Begin"/> on this
    /// thread.</summary>
    public static ReadOnlySpan<byte> End(Utf8JsonWriter writer)
    {
        writer.Flush();
        var buffer = t_buffer!;
        var written = buffer.WrittenSpan;
        if (buffer.Capacity > MaxRetainedBuffer)
        {
            t_buffer = null; // the span keeps the array alive; the thread starts small again next time
            t_writer = null;
        }

        return written;
    }

    /// <summary>Writes <c>{"jsonrpc":"2.0","id":&lt;id&gt;,</c>; an empty id is written as <c>null</c>.</summary>
    public static void StartResponse(Utf8JsonWriter writer, ReadOnlySpan<byte> id)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0"u8);
        WriteId(writer, id);
    }

    /// <summary>Writes <c>{"jsonrpc":"2.0","id":&lt;id&gt;,"result":</c> and leaves the result value to the
    /// caller, who then closes the message with <see cref="Utf8JsonWriter.WriteEndObject"/>.</summary>
    public static void StartResult(Utf8JsonWriter writer, ReadOnlySpan<byte> id)
    {
        StartResponse(writer, id);
        writer.WritePropertyName("result"u8);
    }

    public static void WriteId(Utf8JsonWriter writer, ReadOnlySpan<byte> id)
    {
        writer.WritePropertyName("id"u8);
        if (id.IsEmpty)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteRawValue(id, skipInputValidation: true);
        }
    }

    /// <summary>A complete result message whose result is the raw JSON <paramref name="result"/>.</summary>
    public static ReadOnlySpan<byte> Result(ReadOnlySpan<byte> id, ReadOnlySpan<byte> result)
    {
        var writer = Begin();
        StartResult(writer, id);
        writer.WriteRawValue(result, skipInputValidation: true);
        writer.WriteEndObject();
        return End(writer);
    }

    /// <summary>A complete JSON-RPC error message; <paramref name="includeId"/> false omits the id member (as
    /// server-everything does for a lost session).</summary>
    public static ReadOnlySpan<byte> Error(ReadOnlySpan<byte> id, int code, string message, bool includeId = true)
    {
        var writer = Begin();
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0"u8);
        if (includeId)
        {
            WriteId(writer, id);
        }

        writer.WriteStartObject("error"u8);
        writer.WriteNumber("code"u8, code);
        writer.WriteString("message"u8, message);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return End(writer);
    }

    /// <summary>Writes a complete JSON body with a <c>Content-Length</c> (copied into the response pipe; Kestrel
    /// sends it when the request delegate completes).</summary>
    public static void WriteBody(HttpResponse response, int status, ReadOnlySpan<byte> json)
    {
        response.StatusCode = status;
        response.ContentType = JsonContentType;
        response.ContentLength = json.Length;
        response.BodyWriter.Write(json);
    }

    /// <summary>Writes an HTTP error whose body is a JSON-RPC error with <c>"id":null</c>.</summary>
    public static void WriteHttpError(HttpResponse response, int status, int code, string message)
        => WriteBody(response, status, Error(default, code, message));

    /// <summary>202 Accepted with an empty body (notifications and client responses).</summary>
    public static void WriteAccepted(HttpResponse response)
    {
        response.StatusCode = StatusCodes.Status202Accepted;
        response.ContentLength = 0;
    }
}
