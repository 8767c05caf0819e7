using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Operations;

namespace Cortex.Mcp.Fast.Transports.Rest;

/// <summary>The MCP-only operations: the REST protocol has none of them, so each fails typed before any I/O.</summary>
internal sealed partial class RestTransport
{
    public ValueTask<T> SendRequestAsync<TState, T>(McpRequest request, TState state, McpParamsWriter<TState>? writeParams, McpResultParser<T> parse, CancellationToken cancellationToken) =>
        ValueTask.FromException<T>(TransportFailure.NotSupported($"the REST protocol has no {request.Method.Text}; it needs MCP Streamable HTTP."));

    public ValueTask<McpServerInfo> GetServerInfoAsync(CancellationToken cancellationToken) =>
        ValueTask.FromException<McpServerInfo>(TransportFailure.NotSupported("the REST protocol has no initialize handshake or server description; it needs MCP Streamable HTTP."));
}
