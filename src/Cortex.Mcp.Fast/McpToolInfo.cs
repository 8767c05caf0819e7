using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>One tool an MCP server lists (<c>tools/list</c>), as returned by <see cref="NetworkMcpClient.ListToolsAsync"/>.</summary>
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

    /// <summary>Gets the server's description, when it sent one.</summary>
    public string? Description { get; }

    /// <summary>Gets the JSON Schema of the tool's arguments (a detached element, safe to keep).</summary>
    public JsonElement InputSchema { get; }
}
