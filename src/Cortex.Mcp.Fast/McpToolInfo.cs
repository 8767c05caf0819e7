using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>One tool an MCP server lists (<c>tools/list</c>), as returned by <see cref="NetworkMcpClient.ListToolsAsync"/>.</summary>
/// <remarks>JSON members (<see cref="InputSchema"/>, <see cref="OutputSchema"/>, <see cref="Meta"/>) are detached
/// elements: safe to keep after the call.</remarks>
public sealed class McpToolInfo
{
    /// <summary>Creates the description of one listed tool.</summary>
    /// <param name="name">The tool's name.</param>
    /// <param name="description">The server's description, or null.</param>
    /// <param name="inputSchema">The JSON Schema of the tool's arguments, detached from any pooled document.</param>
    internal McpToolInfo(string name, string? description, JsonElement inputSchema)
    {
        Name = name;
        Description = description;
        InputSchema = inputSchema;
    }

    /// <summary>Gets the tool's name, as passed to
    /// <see cref="NetworkMcpClient.CallToolAsync(string, string, JsonElement, ToolCallOptions?, CancellationToken)"/>.</summary>
    public string Name { get; }

    /// <summary>Gets the human-readable title (<c>title</c>, else <c>annotations.title</c>), when the server sent one.</summary>
    public string? Title { get; internal init; }

    /// <summary>Gets the server's description, when it sent one.</summary>
    public string? Description { get; }

    /// <summary>Gets the JSON Schema of the tool's arguments (a detached element, safe to keep).</summary>
    public JsonElement InputSchema { get; }

    /// <summary>Gets the JSON Schema of the tool's <c>structuredContent</c>, when the server declared one.</summary>
    public JsonElement? OutputSchema { get; internal init; }

    /// <summary>Gets the tool's behaviour hints (<c>annotations</c>), when the server sent them.</summary>
    public McpToolAnnotations? Annotations { get; internal init; }

    /// <summary>Gets the tool's <c>_meta</c> object, when the server sent one.</summary>
    public JsonElement? Meta { get; internal init; }
}
