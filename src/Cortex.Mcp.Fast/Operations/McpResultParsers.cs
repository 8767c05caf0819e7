using System.Text.Json;
using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Operations;

/// <summary>
/// Reads the results of the MCP operations into the public result types. Each keeps at most one detached copy of
/// the result (one <see cref="JsonElement.Clone"/> of the root, which every kept element then points into), never
/// one per item. Items that lack their required member (a nameless tool, a resource without a URI) are skipped: they
/// could not be used anyway. A result that is not an object, or lacks its list, is a protocol failure.
/// </summary>
internal static class McpResultParsers
{
    /// <summary>The same depth limit as every other reader of server JSON.</summary>
    private const int MaxDepth = 64;

    private static readonly JsonDocumentOptions s_options = new() { MaxDepth = MaxDepth };

    public static readonly McpResultParser<McpPage<McpToolInfo>> ToolsPage = static result => ReadPage(result, "tools/list", "tools"u8, ReadTool);

    public static readonly McpResultParser<McpPage<McpResourceInfo>> ResourcesPage = static result => ReadPage(result, "resources/list", "resources"u8, ReadResource);

    public static readonly McpResultParser<McpPage<McpResourceTemplateInfo>> ResourceTemplatesPage = static result => ReadPage(result, "resources/templates/list", "resourceTemplates"u8, ReadTemplate);

    public static readonly McpResultParser<McpPage<McpPromptInfo>> PromptsPage = static result => ReadPage(result, "prompts/list", "prompts"u8, ReadPrompt);

    public static readonly McpResultParser<McpPromptResult> Prompt = static result => ReadPrompt(result);

    public static readonly McpResultParser<McpCompletion> Completion = static result => ReadCompletion(result);

    /// <summary>Accepts any result (ping, logging/setLevel answer <c>{}</c>).</summary>
    public static readonly McpResultParser<bool> Empty = static _ => true;

    /// <summary>Reads one tool of a <c>tools/list</c> page; null when it has no name.</summary>
    public static McpToolInfo? ReadTool(JsonElement item)
    {
        if (String(item, "name"u8) is not { } name)
        {
            return null;
        }

        var annotations = item.TryGetProperty("annotations"u8, out var a) && a.ValueKind == JsonValueKind.Object
            ? new McpToolAnnotations
            {
                Title = String(a, "title"u8),
                ReadOnlyHint = Bool(a, "readOnlyHint"u8),
                DestructiveHint = Bool(a, "destructiveHint"u8),
                IdempotentHint = Bool(a, "idempotentHint"u8),
                OpenWorldHint = Bool(a, "openWorldHint"u8),
            }
            : null;
        return new McpToolInfo(name, String(item, "description"u8), item.TryGetProperty("inputSchema"u8, out var s) ? s : default)
        {
            // Spec (2025-11-25 tools): "Display name precedence order is: title, annotations.title, then name."
            Title = String(item, "title"u8) ?? annotations?.Title,
            OutputSchema = Object(item, "outputSchema"u8),
            Annotations = annotations,
            Meta = Object(item, "_meta"u8),
        };
    }

    /// <summary>Reads the <c>initialize</c> result into the server's description.</summary>
    public static McpServerInfo ReadServerInfo(ReadOnlyMemory<byte> result, string protocolVersion)
    {
        try
        {
            using var document = JsonDocument.Parse(result, s_options);
            var root = document.RootElement.Clone();
            if (root.ValueKind != JsonValueKind.Object)
            {
                return Stateless(protocolVersion);
            }

            var info = Object(root, "serverInfo"u8);
            var caps = Object(root, "capabilities"u8);
            return new McpServerInfo(protocolVersion, info is { } i ? String(i, "name"u8) ?? string.Empty : string.Empty, ReadCapabilities(caps))
            {
                Version = info is { } v ? String(v, "version"u8) : null,
                Title = info is { } t ? String(t, "title"u8) : null,
                Instructions = String(root, "instructions"u8),
            };
        }
        catch (JsonException)
        {
            // The version was already read from this result; a server description we cannot read is left empty.
            return Stateless(protocolVersion);
        }
    }

    /// <summary>The description of a session without a handshake (2026-07-28): only the version is known.</summary>
    public static McpServerInfo Stateless(string protocolVersion) => new(protocolVersion, string.Empty, new McpServerCapabilities());

    private static McpServerCapabilities ReadCapabilities(JsonElement? capabilities)
    {
        if (capabilities is not { } caps)
        {
            return new McpServerCapabilities();
        }

        var tools = Object(caps, "tools"u8);
        var resources = Object(caps, "resources"u8);
        var prompts = Object(caps, "prompts"u8);
        return new McpServerCapabilities
        {
            Tools = tools is not null,
            ToolsListChanged = tools is { } t && Bool(t, "listChanged"u8) == true,
            Resources = resources is not null,
            ResourcesSubscribe = resources is { } r && Bool(r, "subscribe"u8) == true,
            ResourcesListChanged = resources is { } rl && Bool(rl, "listChanged"u8) == true,
            Prompts = prompts is not null,
            PromptsListChanged = prompts is { } p && Bool(p, "listChanged"u8) == true,
            Logging = Object(caps, "logging"u8) is not null,
            Completions = Object(caps, "completions"u8) is not null,
            Json = caps,
        };
    }

    private static McpPage<T> ReadPage<T>(ReadOnlyMemory<byte> result, string method, ReadOnlySpan<byte> listName, Func<JsonElement, T?> read)
        where T : class
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(result, s_options);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw TransportFailure.Protocol($"the server answered {method} with invalid JSON.", ex, 200);
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(listName, out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw TransportFailure.Protocol($"the server answered {method} without its list.", status: 200);
        }

        var list = new List<T>(items.GetArrayLength());
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.Object && read(item) is { } value)
            {
                list.Add(value);
            }
        }

        return new McpPage<T>(list.AsReadOnly(), String(root, "nextCursor"u8));
    }

    private static McpResourceInfo? ReadResource(JsonElement item) =>
        String(item, "uri"u8) is not { } uri || String(item, "name"u8) is not { } name ? null : new McpResourceInfo(uri, name)
        {
            Title = String(item, "title"u8),
            Description = String(item, "description"u8),
            MimeType = String(item, "mimeType"u8),
            Size = item.TryGetProperty("size"u8, out var size) && size.ValueKind == JsonValueKind.Number && size.TryGetInt64(out var n) ? n : null,
            Annotations = Object(item, "annotations"u8),
            Meta = Object(item, "_meta"u8),
        };

    private static McpResourceTemplateInfo? ReadTemplate(JsonElement item) =>
        String(item, "uriTemplate"u8) is not { } template || String(item, "name"u8) is not { } name ? null : new McpResourceTemplateInfo(template, name)
        {
            Title = String(item, "title"u8),
            Description = String(item, "description"u8),
            MimeType = String(item, "mimeType"u8),
            Annotations = Object(item, "annotations"u8),
            Meta = Object(item, "_meta"u8),
        };

    private static McpPromptInfo? ReadPrompt(JsonElement item)
    {
        if (String(item, "name"u8) is not { } name)
        {
            return null;
        }

        var arguments = new List<McpPromptArgumentInfo>();
        if (item.TryGetProperty("arguments"u8, out var args) && args.ValueKind == JsonValueKind.Array)
        {
            foreach (var arg in args.EnumerateArray())
            {
                if (arg.ValueKind == JsonValueKind.Object && String(arg, "name"u8) is { } argName)
                {
                    arguments.Add(new McpPromptArgumentInfo(argName)
                    {
                        Title = String(arg, "title"u8),
                        Description = String(arg, "description"u8),
                        Required = Bool(arg, "required"u8) == true,
                    });
                }
            }
        }

        return new McpPromptInfo(name, arguments.AsReadOnly())
        {
            Title = String(item, "title"u8),
            Description = String(item, "description"u8),
            Meta = Object(item, "_meta"u8),
        };
    }

    private static McpPromptResult ReadPrompt(ReadOnlyMemory<byte> result)
    {
        var root = ParseRoot(result, "prompts/get");
        if (!root.TryGetProperty("messages"u8, out var items) || items.ValueKind != JsonValueKind.Array)
        {
            throw TransportFailure.Protocol("the server answered prompts/get without messages.", status: 200);
        }

        var messages = new List<McpPromptMessage>(items.GetArrayLength());
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || String(item, "role"u8) is not { } role || Object(item, "content"u8) is not { } content)
            {
                continue;
            }

            var type = String(content, "type"u8);
            messages.Add(new McpPromptMessage(role, content)
            {
                ContentType = type,
                Text = type == "text" ? String(content, "text"u8) : null,
            });
        }

        return new McpPromptResult(messages.AsReadOnly())
        {
            Description = String(root, "description"u8),
            Meta = Object(root, "_meta"u8),
        };
    }

    private static McpCompletion ReadCompletion(ReadOnlyMemory<byte> result)
    {
        try
        {
            using var document = JsonDocument.Parse(result, s_options);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("completion"u8, out var completion) || completion.ValueKind != JsonValueKind.Object
                || !completion.TryGetProperty("values"u8, out var items) || items.ValueKind != JsonValueKind.Array)
            {
                throw TransportFailure.Protocol("the server answered completion/complete without completion.values.", status: 200);
            }

            var values = new List<string>(items.GetArrayLength());
            foreach (var item in items.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    values.Add(item.GetString()!);
                }
            }

            return new McpCompletion(values.AsReadOnly())
            {
                Total = completion.TryGetProperty("total"u8, out var total) && total.ValueKind == JsonValueKind.Number && total.TryGetInt32(out var t) ? t : null,
                HasMore = Bool(completion, "hasMore"u8) == true,
            };
        }
        catch (JsonException ex)
        {
            throw TransportFailure.Protocol("the server answered completion/complete with invalid JSON.", ex, 200);
        }
    }

    private static JsonElement ParseRoot(ReadOnlyMemory<byte> result, string method)
    {
        try
        {
            using var document = JsonDocument.Parse(result, s_options);
            var root = document.RootElement.Clone();
            return root.ValueKind == JsonValueKind.Object ? root : throw TransportFailure.Protocol($"the server answered {method} with a result that is not an object.", status: 200);
        }
        catch (JsonException ex)
        {
            throw TransportFailure.Protocol($"the server answered {method} with invalid JSON.", ex, 200);
        }
    }

    private static string? String(JsonElement item, ReadOnlySpan<byte> name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static bool? Bool(JsonElement item, ReadOnlySpan<byte> name) =>
        item.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        } : null;

    private static JsonElement? Object(JsonElement item, ReadOnlySpan<byte> name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;
}
