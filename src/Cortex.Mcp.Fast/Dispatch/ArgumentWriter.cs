using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// Serialises call arguments into a per-thread reusable buffer; the dispatcher copies the bytes into the call's
/// pooled buffer. Serialising on the caller's thread (not the worker's) surfaces bad arguments at once and lets
/// every retry resend the same bytes.
/// </summary>
internal static class ArgumentWriter
{
    private static readonly byte[] s_emptyObject = "{}"u8.ToArray();

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static ReadOnlySpan<byte> EmptyObject => s_emptyObject;

    /// <summary>Writes <paramref name="arguments"/> and returns the bytes, valid until the next call on this thread.</summary>
    public static ReadOnlySpan<byte> Write(JsonElement arguments)
    {
        if (arguments.ValueKind == JsonValueKind.Undefined)
        {
            return s_emptyObject;
        }

        if (arguments.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException("Tool arguments must be a JSON object.", nameof(arguments));
        }

        var writer = Rent(out var buffer);
        arguments.WriteTo(writer);
        writer.Flush();
        return buffer.WrittenSpan;
    }

    /// <summary>Writes <paramref name="arguments"/> with source-generated metadata (AOT-safe).</summary>
    public static ReadOnlySpan<byte> Write<T>(T arguments, JsonTypeInfo<T> typeInfo)
    {
        var writer = Rent(out var buffer);
        JsonSerializer.Serialize(writer, arguments, typeInfo);
        writer.Flush();
        return buffer.WrittenSpan;
    }

    private static Utf8JsonWriter Rent(out ArrayBufferWriter<byte> buffer)
    {
        buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        if (buffer.Capacity > 1 << 20)
        {
            // One huge call must not pin a huge buffer on this thread forever.
            buffer = t_buffer = new ArrayBufferWriter<byte>(1024);
            t_writer = null;
        }

        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = false });
        writer.Reset(buffer);
        return writer;
    }
}
