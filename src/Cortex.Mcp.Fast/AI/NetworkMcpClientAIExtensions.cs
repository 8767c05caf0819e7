using Microsoft.Extensions.AI;

namespace Cortex.Mcp.Fast.AI;

/// <summary>The <c>Microsoft.Extensions.AI</c> view of <see cref="NetworkMcpClient"/>: a service's tools as <see cref="AIFunction"/>s.</summary>
public static class NetworkMcpClientAIExtensions
{
    /// <summary>
    /// Lists the tools of an MCP service (<see cref="NetworkMcpClient.ListToolsAsync"/>, cached per session) as
    /// <see cref="AIFunction"/>s for an <c>IChatClient</c>; each invocation is a
    /// <see cref="NetworkMcpClient.CallToolAsync(string, string, ReadOnlyMemory{byte}, ToolCallOptions?, CancellationToken)"/>.
    /// </summary>
    /// <param name="client">The client.</param>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="callOptions">Options of every call made through the functions, or null for the service's defaults.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>One <see cref="McpToolFunction"/> per tool, in the server's order.</returns>
    /// <exception cref="ServiceCallException">The service does not speak MCP, or the listing failed.</exception>
    public static async ValueTask<IReadOnlyList<McpToolFunction>> ListAIFunctionsAsync(this NetworkMcpClient client, string service, ToolCallOptions? callOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var tools = await client.ListToolsAsync(service, cancellationToken).ConfigureAwait(false);
        var functions = new McpToolFunction[tools.Count];
        for (var i = 0; i < functions.Length; i++)
        {
            functions[i] = new McpToolFunction(client, service, tools[i], callOptions);
        }

        return functions;
    }
}
