using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// The methods this client reacts to, recognised while a message is read so that dispatch needs no string.
/// Anything else is <see cref="Other"/> (the raw name stays available on the message).
/// </summary>
internal enum McpMethod : byte
{
    /// <summary>The message has no <c>method</c> (a response).</summary>
    None,

    /// <summary>A method not in this list.</summary>
    Other,

    /// <summary><c>ping</c>: a server→client request we must answer with an empty result.</summary>
    Ping,

    /// <summary><c>notifications/progress</c>.</summary>
    Progress,

    /// <summary><c>notifications/resources/updated</c> (after resources/subscribe).</summary>
    ResourcesUpdated,

    /// <summary><c>notifications/cancelled</c> (the server gives up on one of its own requests to us).</summary>
    Cancelled,

    /// <summary><c>notifications/message</c> (server log line).</summary>
    LogMessage,

    /// <summary><c>notifications/tools/list_changed</c>.</summary>
    ToolsListChanged,

    /// <summary><c>notifications/resources/list_changed</c>.</summary>
    ResourcesListChanged,

    /// <summary><c>sampling/createMessage</c>: server→client request; needs the sampling capability.</summary>
    SamplingCreateMessage,

    /// <summary><c>elicitation/create</c>: server→client request; needs the elicitation capability.</summary>
    ElicitationCreate,

    /// <summary><c>roots/list</c>: server→client request; needs the roots capability.</summary>
    RootsList,

    /// <summary><c>notifications/prompts/list_changed</c>.</summary>
    PromptsListChanged,
}

/// <summary>Method names as UTF-8, and recognition of <see cref="McpMethod"/> from a reader positioned on a name.</summary>
internal static class McpMethods
{
    /// <summary>The methods the client acts on, most frequent first (progress arrives many times per long call).</summary>
    private static readonly (byte[] Name, McpMethod Method)[] s_known =
    [
        ("notifications/progress"u8.ToArray(), McpMethod.Progress),
        ("ping"u8.ToArray(), McpMethod.Ping),
        ("notifications/resources/updated"u8.ToArray(), McpMethod.ResourcesUpdated),
        ("notifications/message"u8.ToArray(), McpMethod.LogMessage),
        ("notifications/cancelled"u8.ToArray(), McpMethod.Cancelled),
        ("notifications/tools/list_changed"u8.ToArray(), McpMethod.ToolsListChanged),
        ("notifications/resources/list_changed"u8.ToArray(), McpMethod.ResourcesListChanged),
        ("notifications/prompts/list_changed"u8.ToArray(), McpMethod.PromptsListChanged),
        ("sampling/createMessage"u8.ToArray(), McpMethod.SamplingCreateMessage),
        ("elicitation/create"u8.ToArray(), McpMethod.ElicitationCreate),
        ("roots/list"u8.ToArray(), McpMethod.RootsList),
    ];

    /// <summary>Matches the current string token of <paramref name="reader"/> (escapes handled by the reader).</summary>
    public static McpMethod Recognize(ref Utf8JsonReader reader)
    {
        foreach (var (name, method) in s_known)
        {
            if (reader.ValueTextEquals(name))
            {
                return method;
            }
        }

        return McpMethod.Other;
    }
}
