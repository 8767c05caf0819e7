using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>One tool an MCP server lists (<c>tools/list</c>).</summary>
/// <param name="Name">The tool's name, as passed to <see cref="NetworkMcpClient.CallToolAsync(string, string, JsonElement, ToolCallOptions?, CancellationToken)"/>.</param>
/// <param name="Description">The server's description, when it sent one.</param>
/// <param name="InputSchema">The JSON Schema of the tool's arguments (a detached element, safe to keep).</param>
public sealed record McpToolInfo(string Name, string? Description, JsonElement InputSchema);
