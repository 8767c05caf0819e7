using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cortex.Mcp.Fast;

/// <summary>Structured tool results (<c>structuredContent</c>, MCP 2025-06-18 and later).</summary>
public sealed partial class ToolResult
{
    /// <summary>
    /// True when the bytes are an MCP <c>CallToolResult</c> envelope (<c>content</c>, <c>structuredContent</c>,
    /// <c>isError</c>); false for a REST result, which is the tool's own JSON value.
    /// </summary>
    internal bool IsMcpEnvelope { get; init; }

    /// <summary>
    /// Gets the tool's structured result: for an MCP service the <c>structuredContent</c> member of the result (when
    /// the tool sent one); for a REST service the whole result, which is the tool's own JSON. Valid until the result
    /// is disposed.
    /// </summary>
    /// <param name="structuredContent">The structured result, when there is one.</param>
    /// <returns>False when an MCP tool sent no <c>structuredContent</c>.</returns>
    public bool TryGetStructuredContent(out JsonElement structuredContent)
    {
        var json = Json;
        if (!IsMcpEnvelope)
        {
            structuredContent = json;
            return true;
        }

        if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("structuredContent"u8, out structuredContent))
        {
            return true;
        }

        structuredContent = default;
        return false;
    }

    /// <summary>
    /// Reads the tool's structured result as <typeparamref name="T"/> with source-generated metadata (AOT-safe),
    /// straight from the pooled bytes: the <c>structuredContent</c> of an MCP result or, when an MCP tool sent none,
    /// the JSON text of its first <c>text</c> content (the spec's backwards-compatible form of a structured result);
    /// a REST result as a whole.
    /// </summary>
    /// <param name="typeInfo">The type's JSON metadata, from a <c>JsonSerializerContext</c>.</param>
    /// <exception cref="JsonException">There is no structured result, or it does not match <typeparamref name="T"/>.</exception>
    public T? DeserializeStructuredContent<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        var bytes = Utf8Json.Span;
        if (!IsMcpEnvelope)
        {
            return JsonSerializer.Deserialize(bytes, typeInfo);
        }

        if (FindMember(bytes, "structuredContent"u8, out var start, out var length))
        {
            return JsonSerializer.Deserialize(bytes.Slice(start, length), typeInfo);
        }

        if (FirstText() is { } text)
        {
            return JsonSerializer.Deserialize(text, typeInfo);
        }

        throw new JsonException("The tool result has neither structuredContent nor a text content to read.");
    }

    /// <summary>Finds a top-level member's value without building a document.</summary>
    private static bool FindMember(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name, out int start, out int length)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueTextEquals(name);
                reader.Read();
                start = (int)reader.TokenStartIndex;
                reader.Skip();
                if (match)
                {
                    length = (int)reader.BytesConsumed - start;
                    return true;
                }
            }
        }

        start = length = 0;
        return false;
    }

    private string? FirstText()
    {
        if (Json.ValueKind == JsonValueKind.Object && Json.TryGetProperty("content"u8, out var content) && content.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in content.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("text"u8, out var text) && text.ValueKind == JsonValueKind.String)
                {
                    return text.GetString();
                }
            }
        }

        return null;
    }
}
