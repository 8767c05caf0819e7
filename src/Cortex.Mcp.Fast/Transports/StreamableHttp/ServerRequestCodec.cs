using System.Globalization;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// Reads the <c>params</c> of the server→client requests the typed handlers serve (sampling, elicitation) into
/// their public types (here), and writes the handlers' answers as JSON-RPC <c>result</c> objects
/// (<c>ServerRequestCodec.Results.cs</c>).
/// </summary>
/// <remarks>
/// <para>Server requests are rare (a few per tool call at most), so this reads through a detached
/// <see cref="JsonElement"/> rather than a hand-rolled reader: clarity over allocations here, AOT-safe all the same
/// (no reflection, no serializer). A malformed request is a <see cref="FormatException"/> (answered -32602); a
/// handler's answer that the protocol forbids is an <see cref="ArgumentException"/> (answered -32603).</para>
/// <para>Stateless and thread-safe.</para>
/// </remarks>
internal static partial class ServerRequestCodec
{
    private static readonly JsonDocumentOptions s_documentOptions = new() { MaxDepth = JsonRpcMessageReader.MaxDepth };

    /// <summary>Parses <paramref name="paramsJson"/> into a detached object element.</summary>
    /// <exception cref="FormatException">Not one JSON object.</exception>
    public static JsonElement ParseParams(ReadOnlySpan<byte> paramsJson)
    {
        if (paramsJson.IsEmpty)
        {
            throw new FormatException("the request has no params.");
        }

        JsonElement root;
        try
        {
            root = JsonElement.Parse(paramsJson, s_documentOptions);
        }
        catch (JsonException ex)
        {
            throw new FormatException("the params are not valid JSON.", ex);
        }

        return root.ValueKind == JsonValueKind.Object ? root : throw new FormatException("the params are not a JSON object.");
    }

    /// <summary>Reads <c>sampling/createMessage</c> params.</summary>
    /// <exception cref="FormatException">A required field is missing or has the wrong type.</exception>
    public static McpSamplingRequest ReadSampling(string service, ReadOnlySpan<byte> paramsJson)
    {
        var root = ParseParams(paramsJson);
        if (!root.TryGetProperty("messages"u8, out var messagesElement) || messagesElement.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("sampling/createMessage needs a messages array.");
        }

        var messages = new List<McpSamplingMessage>(messagesElement.GetArrayLength());
        foreach (var message in messagesElement.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("a sampling message is not an object.");
            }

            messages.Add(new McpSamplingMessage
            {
                Role = RequiredString(message, "role"u8, "role"),
                Content = ReadContent(message),
            });
        }

        if (!root.TryGetProperty("maxTokens"u8, out var maxTokens) || maxTokens.ValueKind != JsonValueKind.Number || !maxTokens.TryGetInt32(out var max))
        {
            throw new FormatException("sampling/createMessage needs an integer maxTokens.");
        }

        return new McpSamplingRequest
        {
            Service = service,
            Messages = messages,
            MaxTokens = max,
            SystemPrompt = OptionalString(root, "systemPrompt"u8),
            Temperature = OptionalDouble(root, "temperature"u8),
            StopSequences = StringArray(root, "stopSequences"u8),
            IncludeContext = OptionalString(root, "includeContext"u8),
            ModelPreferences = ReadPreferences(root),
            Params = root,
        };
    }

    /// <summary>Reads <c>elicitation/create</c> params (form mode when <c>mode</c> is absent).</summary>
    /// <exception cref="FormatException">A required field is missing or has the wrong type, or the mode is unknown.</exception>
    public static McpElicitationRequest ReadElicitation(string service, ReadOnlySpan<byte> paramsJson)
    {
        var root = ParseParams(paramsJson);
        var modeName = OptionalString(root, "mode"u8);
        var message = RequiredString(root, "message"u8, "message");
        switch (modeName)
        {
            // Spec (2025-11-25 elicitation): "mode ... MAY be omitted for form mode requests".
            case null or "form":
                if (!root.TryGetProperty("requestedSchema"u8, out var schema) || schema.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException("a form elicitation needs a requestedSchema object.");
                }

                return new McpElicitationRequest { Service = service, Mode = McpElicitationMode.Form, Message = message, RequestedSchema = schema, Params = root };
            case "url":
                var url = RequiredString(root, "url"u8, "url");
                if (!Uri.TryCreate(url, UriKind.Absolute, out _))
                {
                    throw new FormatException("a URL elicitation needs an absolute url.");
                }

                return new McpElicitationRequest
                {
                    Service = service,
                    Mode = McpElicitationMode.Url,
                    Message = message,
                    Url = url,
                    ElicitationId = RequiredString(root, "elicitationId"u8, "elicitationId"),
                    Params = root,
                };
            default:
                throw new FormatException("the elicitation mode is neither form nor url.");
        }
    }

    private static List<McpContentBlock> ReadContent(JsonElement message)
    {
        if (!message.TryGetProperty("content"u8, out var content))
        {
            throw new FormatException("a sampling message needs content.");
        }

        // Spec (2025-11-25 sampling): content is one block or, with tools, an array of blocks.
        if (content.ValueKind == JsonValueKind.Array)
        {
            var blocks = new List<McpContentBlock>(content.GetArrayLength());
            foreach (var item in content.EnumerateArray())
            {
                blocks.Add(ReadContentBlock(item));
            }

            return blocks;
        }

        return [ReadContentBlock(content)];
    }

    /// <summary>Reads one content block (also used by adapters that turn MCP content into other shapes).</summary>
    /// <exception cref="FormatException">Not an object with a string <c>type</c>.</exception>
    public static McpContentBlock ReadContentBlock(JsonElement block)
    {
        if (block.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("a content block is not an object.");
        }

        return new McpContentBlock
        {
            Type = RequiredString(block, "type"u8, "type"),
            Text = OptionalString(block, "text"u8),
            Data = OptionalString(block, "data"u8),
            MimeType = OptionalString(block, "mimeType"u8),
            Json = block,
        };
    }

    private static McpModelPreferences? ReadPreferences(JsonElement root)
    {
        if (!root.TryGetProperty("modelPreferences"u8, out var preferences) || preferences.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var hints = new List<string>();
        if (preferences.TryGetProperty("hints"u8, out var hintArray) && hintArray.ValueKind == JsonValueKind.Array)
        {
            foreach (var hint in hintArray.EnumerateArray())
            {
                if (hint.ValueKind == JsonValueKind.Object && OptionalString(hint, "name"u8) is { } name)
                {
                    hints.Add(name);
                }
            }
        }

        return new McpModelPreferences
        {
            Hints = hints,
            CostPriority = OptionalDouble(preferences, "costPriority"u8),
            SpeedPriority = OptionalDouble(preferences, "speedPriority"u8),
            IntelligencePriority = OptionalDouble(preferences, "intelligencePriority"u8),
        };
    }

    private static string RequiredString(JsonElement element, ReadOnlySpan<byte> name, string displayName) =>
        OptionalString(element, name) ?? throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"the string '{displayName}' is missing."));

    private static string? OptionalString(JsonElement element, ReadOnlySpan<byte> name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static double? OptionalDouble(JsonElement element, ReadOnlySpan<byte> name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static List<string> StringArray(JsonElement element, ReadOnlySpan<byte> name)
    {
        if (!element.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var items = new List<string>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String)
            {
                items.Add(item.GetString()!);
            }
        }

        return items;
    }
}
