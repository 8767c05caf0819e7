using System.Text.Json;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>Formats tool results and server notifications (see <see cref="McpJson"/> for the buffer rules).</summary>
internal static class McpToolResults
{
    /// <summary><c>{"content":[{"type":"text","text":"&lt;arguments&gt;"}],"structuredContent":{"echo":&lt;arguments&gt;},
    /// "isError":false}</c>: the arguments are copied, never parsed into objects.</summary>
    public static ReadOnlySpan<byte> Echo(ReadOnlySpan<byte> id, ReadOnlySpan<byte> args)
        => TextResult(id, text: null, utf8Text: args, isError: false, "echo"u8, args);

    /// <summary>A result with one text content and, unless <paramref name="isError"/>, a structured content of one
    /// member (<paramref name="name"/>: <paramref name="value"/>, a raw JSON value).</summary>
    public static ReadOnlySpan<byte> Text(ReadOnlySpan<byte> id, string text, bool isError,
        ReadOnlySpan<byte> name = default, ReadOnlySpan<byte> value = default)
        => TextResult(id, text, utf8Text: default, isError, name, value);

    /// <summary><c>{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":t,"progress":i,
    /// "total":n}}</c>.</summary>
    public static ReadOnlySpan<byte> Progress(ReadOnlySpan<byte> token, int progress, int total)
    {
        var writer = McpJson.Begin();
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0"u8);
        writer.WriteString("method"u8, "notifications/progress"u8);
        writer.WriteStartObject("params"u8);
        writer.WritePropertyName("progressToken"u8);
        writer.WriteRawValue(token, skipInputValidation: true);
        writer.WriteNumber("progress"u8, progress);
        writer.WriteNumber("total"u8, total);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return McpJson.End(writer);
    }

    /// <summary><c>notifications/resources/updated</c> for <paramref name="uri"/> (a fresh array: it is queued).</summary>
    public static byte[] ResourceUpdated(string uri)
    {
        var writer = McpJson.Begin();
        writer.WriteStartObject();
        writer.WriteString("jsonrpc"u8, "2.0"u8);
        writer.WriteString("method"u8, "notifications/resources/updated"u8);
        writer.WriteStartObject("params"u8);
        writer.WriteString("uri"u8, uri);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return McpJson.End(writer).ToArray();
    }

    /// <summary>A <c>resources/read</c> result with one text or one blob content.</summary>
    public static ReadOnlySpan<byte> ResourceContents(ReadOnlySpan<byte> id, string uri, string mimeType,
        string? text, ReadOnlySpan<byte> blob)
    {
        var writer = McpJson.Begin();
        McpJson.StartResult(writer, id);
        writer.WriteStartObject();
        writer.WriteStartArray("contents"u8);
        writer.WriteStartObject();
        writer.WriteString("uri"u8, uri);
        writer.WriteString("mimeType"u8, mimeType);
        if (text is not null)
        {
            writer.WriteString("text"u8, text);
        }
        else
        {
            writer.WriteBase64String("blob"u8, blob);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.WriteEndObject();
        return McpJson.End(writer);
    }

    /// <summary>A JSON-RPC error with a <c>data</c> object holding the URI (resource not found).</summary>
    public static ReadOnlySpan<byte> ResourceNotFound(ReadOnlySpan<byte> id, string uri)
    {
        var writer = McpJson.Begin();
        McpJson.StartResponse(writer, id);
        writer.WriteStartObject("error"u8);
        writer.WriteNumber("code"u8, McpErrorCodes.ResourceNotFound);
        writer.WriteString("message"u8, "Resource not found: " + uri);
        writer.WriteStartObject("data"u8);
        writer.WriteString("uri"u8, uri);
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        return McpJson.End(writer);
    }

    /// <summary>One text content (<paramref name="text"/>, or the UTF-8 <paramref name="utf8Text"/> when it is
    /// null), then a structured content of one member when <paramref name="name"/> is not empty, then
    /// <c>isError</c>.</summary>
    private static ReadOnlySpan<byte> TextResult(ReadOnlySpan<byte> id, string? text, ReadOnlySpan<byte> utf8Text,
        bool isError, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        var writer = McpJson.Begin();
        McpJson.StartResult(writer, id);
        writer.WriteStartObject();
        writer.WriteStartArray("content"u8);
        writer.WriteStartObject();
        writer.WriteString("type"u8, "text"u8);
        if (text is not null)
        {
            writer.WriteString("text"u8, text);
        }
        else
        {
            writer.WriteString("text"u8, utf8Text);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
        if (!name.IsEmpty)
        {
            writer.WriteStartObject("structuredContent"u8);
            writer.WritePropertyName(name);
            writer.WriteRawValue(value, skipInputValidation: true);
            writer.WriteEndObject();
        }

        writer.WriteBoolean("isError"u8, isError);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return McpJson.End(writer);
    }
}

/// <summary>JSON-RPC and MCP error codes used here.</summary>
internal static class McpErrorCodes
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ServerError = -32000;
    public const int SessionNotFound = -32001;
    public const int ResourceNotFound = -32002;
}
