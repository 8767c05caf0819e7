using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>The handlers' answers as JSON-RPC <c>result</c> objects.</summary>
internal static partial class ServerRequestCodec
{
    /// <summary>Writes a <c>CreateMessageResult</c>.</summary>
    /// <exception cref="ArgumentException">The result misses its model or content.</exception>
    public static void WriteSamplingResult(Utf8JsonWriter json, McpSamplingResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (string.IsNullOrEmpty(result.Model))
        {
            throw new ArgumentException("a sampling result needs a model name.", nameof(result));
        }

        if (result.Content is null || string.IsNullOrEmpty(result.Role))
        {
            throw new ArgumentException("a sampling result needs a role and content.", nameof(result));
        }

        json.WriteStartObject();
        json.WriteString("role"u8, result.Role);
        json.WritePropertyName("content"u8);
        WriteContentBlock(json, result.Content);
        json.WriteString("model"u8, result.Model);
        if (result.StopReason is { } reason)
        {
            json.WriteString("stopReason"u8, reason);
        }

        json.WriteEndObject();
    }

    /// <summary>
    /// Writes an <c>ElicitResult</c>. Content is sent only for an accepted form; with
    /// <paramref name="applyDefaults"/>, every schema property with a <c>default</c> the handler left unset is added
    /// (SEP-1034).
    /// </summary>
    /// <exception cref="ArgumentException">A content value is not a string, number, boolean or array of strings.</exception>
    public static void WriteElicitationResult(Utf8JsonWriter json, McpElicitationRequest request, McpElicitationResult result, bool applyDefaults)
    {
        ArgumentNullException.ThrowIfNull(result);
        json.WriteStartObject();
        json.WriteString("action"u8, result.Action switch
        {
            McpElicitationAction.Accept => "accept",
            McpElicitationAction.Decline => "decline",
            McpElicitationAction.Cancel => "cancel",
            _ => throw new ArgumentException("unknown elicitation action.", nameof(result)),
        });

        // Spec (2025-11-25 elicitation): content is "only present when action is accept and mode was form".
        if (result.Action == McpElicitationAction.Accept && request.Mode == McpElicitationMode.Form)
        {
            json.WriteStartObject("content"u8);
            if (result.Content is { } content)
            {
                foreach (var (name, value) in content)
                {
                    CheckContentValue(name, value);
                    json.WritePropertyName(name);
                    value.WriteTo(json);
                }
            }

            if (applyDefaults)
            {
                WriteMissingDefaults(json, request.RequestedSchema, result.Content);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>Writes a <c>ListRootsResult</c>.</summary>
    /// <exception cref="ArgumentException">A root has no URI.</exception>
    public static void WriteRootsResult(Utf8JsonWriter json, IReadOnlyList<McpRoot> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        json.WriteStartObject();
        json.WriteStartArray("roots"u8);
        foreach (var root in roots)
        {
            if (root is null || string.IsNullOrEmpty(root.Uri))
            {
                throw new ArgumentException("every root needs a URI.", nameof(roots));
            }

            json.WriteStartObject();
            json.WriteString("uri"u8, root.Uri);
            if (root.Name is { } name)
            {
                json.WriteString("name"u8, name);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteMissingDefaults(Utf8JsonWriter json, JsonElement schema, IReadOnlyDictionary<string, JsonElement>? content)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties"u8, out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var property in properties.EnumerateObject())
        {
            if (content is not null && content.ContainsKey(property.Name))
            {
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("default"u8, out var value) && IsContentValue(value))
            {
                json.WritePropertyName(property.Name);
                value.WriteTo(json);
            }
        }
    }

    private static void CheckContentValue(string name, JsonElement value)
    {
        if (!IsContentValue(value))
        {
            throw new ArgumentException($"elicitation content '{name}' must be a string, number, boolean or array of strings.", nameof(value));
        }
    }

    /// <summary>Spec (2025-11-25 elicitation): content values are "string | number | boolean | string[]".</summary>
    private static bool IsContentValue(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                return true;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind != JsonValueKind.String)
                    {
                        return false;
                    }
                }

                return true;
            default:
                return false;
        }
    }

    private static void WriteContentBlock(Utf8JsonWriter json, McpContentBlock block)
    {
        if (block.Json.ValueKind == JsonValueKind.Object)
        {
            block.Json.WriteTo(json);
            return;
        }

        if (string.IsNullOrEmpty(block.Type))
        {
            throw new ArgumentException("a content block needs a type.", nameof(block));
        }

        json.WriteStartObject();
        json.WriteString("type"u8, block.Type);
        if (block.Text is { } text)
        {
            json.WriteString("text"u8, text);
        }

        if (block.Data is { } data)
        {
            json.WriteString("data"u8, data);
        }

        if (block.MimeType is { } mimeType)
        {
            json.WriteString("mimeType"u8, mimeType);
        }

        json.WriteEndObject();
    }
}
