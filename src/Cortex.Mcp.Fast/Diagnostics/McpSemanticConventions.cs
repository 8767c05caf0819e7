namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>
/// Names from the OpenTelemetry semantic conventions for MCP (semantic-conventions-genai, <c>docs/gen-ai/mcp.md</c>,
/// status development) and for HTTP/network clients, plus this library's own names under <c>cortex.mcp.</c>: custom
/// instruments and attributes stay out of the <c>mcp.</c> namespace, which the conventions own.
/// </summary>
internal static class McpSemanticConventions
{
    // Metrics of the MCP conventions.
    public const string ClientOperationDuration = "mcp.client.operation.duration";
    public const string ClientSessionDuration = "mcp.client.session.duration";

    // Attributes of the conventions.
    public const string MethodName = "mcp.method.name";
    public const string ResourceUri = "mcp.resource.uri";
    public const string SessionId = "mcp.session.id";
    public const string ProtocolVersion = "mcp.protocol.version";
    public const string ToolName = "gen_ai.tool.name";
    public const string PromptName = "gen_ai.prompt.name";
    public const string OperationName = "gen_ai.operation.name";
    public const string ErrorType = "error.type";
    public const string ServerAddress = "server.address";
    public const string ServerPort = "server.port";
    public const string NetworkProtocolName = "network.protocol.name";
    public const string NetworkTransport = "network.transport";

    // Values of the conventions.
    public const string ToolsCall = "tools/call";
    public const string PromptsGet = "prompts/get";
    public const string ResourcesRead = "resources/read";
    public const string ResourcesSubscribe = "resources/subscribe";
    public const string ExecuteTool = "execute_tool";
    public const string Http = "http";
    public const string Tcp = "tcp";

    // This library's own instruments and attributes.
    public const string QueueWait = "cortex.mcp.client.queue.wait";
    public const string QueueDepth = "cortex.mcp.client.queue.depth";
    public const string ActiveCalls = "cortex.mcp.client.active_calls";
    public const string BreakerState = "cortex.mcp.client.breaker.state";
    public const string BreakerTransitions = "cortex.mcp.client.breaker.transitions";
    public const string Retries = "cortex.mcp.client.retries";
    public const string QueueRejections = "cortex.mcp.client.queue.rejections";
    public const string StreamReconnects = "cortex.mcp.client.stream.reconnects";
    public const string Service = "cortex.mcp.service";
    public const string BreakerStateAttribute = "cortex.mcp.breaker.state";
    public const string Attempts = "cortex.mcp.attempts";

    /// <summary>
    /// Bucket advice for operation durations. The conventions' advice starts at 10 ms, which would put every call of
    /// a fast in-datacenter service in the first bucket; these start at 100 µs and end at 10 s (the default call
    /// deadline is 30 s: slower calls fall in the overflow bucket).
    /// </summary>
    public static readonly double[] OperationBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>The conventions' advice for session durations.</summary>
    public static readonly double[] SessionBuckets =
        [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];
}
