namespace Cortex.Mcp.Fast.Testing;

/// <summary>How the service's MCP Streamable HTTP endpoint (<c>{BaseAddress}mcp</c>) answers.</summary>
public enum TestMcpMode
{
    /// <summary>
    /// No sessions; every POST is answered with <c>application/json</c> and the JSON-RPC response (a
    /// <c>progress</c> call that carries a progress token is the one exception: an SSE reply without event ids).
    /// GET and DELETE get 405. The fast mode used by the benchmarks.
    /// </summary>
    StatelessJson,

    /// <summary>
    /// <c>initialize</c> creates a session (<c>Mcp-Session-Id</c>); every reply to a request is
    /// <c>text/event-stream</c> with event ids <c>{streamId}-{n}</c>, resumable by GET with <c>Last-Event-ID</c>; GET
    /// without it opens the session's standalone stream; DELETE ends the session.
    /// </summary>
    StatefulSse,
}
