using System.Text.Json;

namespace Cortex.Mcp.Fast.Operations;

/// <summary>The <c>params</c> members of each MCP operation, as static writers (no closure per request).</summary>
internal static class McpParams
{
    private static readonly JsonEncodedText s_cursor = JsonEncodedText.Encode("cursor");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_arguments = JsonEncodedText.Encode("arguments");
    private static readonly JsonEncodedText s_ref = JsonEncodedText.Encode("ref");
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText s_uri = JsonEncodedText.Encode("uri");
    private static readonly JsonEncodedText s_refPrompt = JsonEncodedText.Encode("ref/prompt");
    private static readonly JsonEncodedText s_refResource = JsonEncodedText.Encode("ref/resource");
    private static readonly JsonEncodedText s_argument = JsonEncodedText.Encode("argument");
    private static readonly JsonEncodedText s_value = JsonEncodedText.Encode("value");
    private static readonly JsonEncodedText s_context = JsonEncodedText.Encode("context");
    private static readonly JsonEncodedText s_level = JsonEncodedText.Encode("level");

    /// <summary>A list request: <c>cursor</c> when continuing.</summary>
    public static readonly McpParamsWriter<string?> List = static (json, cursor) =>
    {
        if (cursor is not null)
        {
            json.WriteString(s_cursor, cursor);
        }
    };

    /// <summary><c>prompts/get</c>: <c>name</c> and the string <c>arguments</c>.</summary>
    public static readonly McpParamsWriter<PromptGet> GetPrompt = static (json, state) =>
    {
        json.WriteString(s_name, state.Name);
        if (state.Arguments is { Count: > 0 } arguments)
        {
            WriteStringMap(json, s_arguments, arguments);
        }
    };

    /// <summary><c>completion/complete</c>: <c>ref</c>, <c>argument</c>, and <c>context.arguments</c> when given.</summary>
    public static readonly McpParamsWriter<Complete> Completion = static (json, state) =>
    {
        json.WriteStartObject(s_ref);
        if (state.Reference.IsPrompt)
        {
            json.WriteString(s_type, s_refPrompt);
            json.WriteString(s_name, state.Reference.Value);
        }
        else
        {
            json.WriteString(s_type, s_refResource);
            json.WriteString(s_uri, state.Reference.Value);
        }

        json.WriteEndObject();
        json.WriteStartObject(s_argument);
        json.WriteString(s_name, state.ArgumentName);
        json.WriteString(s_value, state.ArgumentValue);
        json.WriteEndObject();
        if (state.Context is { Count: > 0 } context)
        {
            json.WriteStartObject(s_context);
            WriteStringMap(json, s_arguments, context);
            json.WriteEndObject();
        }
    };

    /// <summary><c>logging/setLevel</c>: <c>level</c>.</summary>
    public static readonly McpParamsWriter<McpLoggingLevel> SetLevel = static (json, level) => json.WriteString(s_level, McpLoggingLevels.Name(level));

    private static void WriteStringMap(Utf8JsonWriter json, JsonEncodedText name, IReadOnlyDictionary<string, string> map)
    {
        json.WriteStartObject(name);
        foreach (var (key, value) in map)
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
    }

    /// <summary>The state of a <c>prompts/get</c> request.</summary>
    public readonly record struct PromptGet(string Name, IReadOnlyDictionary<string, string>? Arguments);

    /// <summary>The state of a <c>completion/complete</c> request.</summary>
    public readonly record struct Complete(McpCompletionReference Reference, string ArgumentName, string ArgumentValue, IReadOnlyDictionary<string, string>? Context);
}
