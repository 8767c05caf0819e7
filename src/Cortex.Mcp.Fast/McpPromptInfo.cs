using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>One prompt an MCP server lists (<c>prompts/list</c>).</summary>
public sealed class McpPromptInfo
{
    internal McpPromptInfo(string name, IReadOnlyList<McpPromptArgumentInfo> arguments)
    {
        Name = name;
        Arguments = arguments;
    }

    /// <summary>Gets the prompt's name, as passed to <see cref="NetworkMcpClient.GetPromptAsync"/>.</summary>
    public string Name { get; }

    /// <summary>Gets the human-readable title, when given.</summary>
    public string? Title { get; internal init; }

    /// <summary>Gets the description, when given.</summary>
    public string? Description { get; internal init; }

    /// <summary>Gets the arguments the prompt takes (empty when none).</summary>
    public IReadOnlyList<McpPromptArgumentInfo> Arguments { get; }

    /// <summary>Gets the <c>_meta</c> object, when given; detached.</summary>
    public JsonElement? Meta { get; internal init; }
}

/// <summary>One argument of a listed prompt.</summary>
public sealed class McpPromptArgumentInfo
{
    internal McpPromptArgumentInfo(string name) => Name = name;

    /// <summary>Gets the argument's name.</summary>
    public string Name { get; }

    /// <summary>Gets the human-readable title, when given.</summary>
    public string? Title { get; internal init; }

    /// <summary>Gets the description, when given.</summary>
    public string? Description { get; internal init; }

    /// <summary>Gets whether the argument must be given.</summary>
    public bool Required { get; internal init; }
}
