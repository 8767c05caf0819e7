using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>A prompt as the server rendered it (<c>prompts/get</c>).</summary>
public sealed class McpPromptResult
{
    internal McpPromptResult(IReadOnlyList<McpPromptMessage> messages) => Messages = messages;

    /// <summary>Gets the description, when given.</summary>
    public string? Description { get; internal init; }

    /// <summary>Gets the messages, in order.</summary>
    public IReadOnlyList<McpPromptMessage> Messages { get; }

    /// <summary>Gets the <c>_meta</c> object, when given; detached.</summary>
    public JsonElement? Meta { get; internal init; }
}

/// <summary>One message of a rendered prompt.</summary>
public sealed class McpPromptMessage
{
    internal McpPromptMessage(string role, JsonElement content)
    {
        Role = role;
        Content = content;
    }

    /// <summary>Gets the role: <c>user</c> or <c>assistant</c>.</summary>
    public string Role { get; }

    /// <summary>Gets the content block (text, image, audio, resource link or embedded resource); detached.</summary>
    public JsonElement Content { get; }

    /// <summary>Gets the content's <c>type</c> (<c>text</c>, <c>image</c>, …), or null when absent.</summary>
    public string? ContentType { get; internal init; }

    /// <summary>Gets the text of a <c>text</c> content block, else null.</summary>
    public string? Text { get; internal init; }
}
