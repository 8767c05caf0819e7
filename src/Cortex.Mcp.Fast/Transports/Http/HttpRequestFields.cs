namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>
/// The header fields that change from request to request, for either engine; null ones are not sent. Everything
/// fixed per target (method, path, Host, Accept, Content-Type) lives in the <see cref="HttpTarget"/> instead.
/// </summary>
/// <remarks>The direct engine validates values before anything is written (no header injection); the default engine
/// validates through <c>HttpRequestMessage</c>'s header collections.</remarks>
internal readonly struct HttpRequestFields
{
    /// <summary>Gets the Authorization value (for example <c>Bearer …</c>).</summary>
    public string? Authorization { get; init; }

    /// <summary>Gets the Mcp-Session-Id value.</summary>
    public string? SessionId { get; init; }

    /// <summary>Gets the MCP-Protocol-Version value.</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>Gets the Last-Event-ID value (resuming a stream; any UTF-8 text, as WHATWG allows any id).</summary>
    public string? LastEventId { get; init; }

    /// <summary>Gets the Mcp-Method value (stateless revision).</summary>
    public string? McpMethod { get; init; }

    /// <summary>Gets the Mcp-Name value (stateless revision; already encoded for a header).</summary>
    public string? McpName { get; init; }

    /// <summary>Gets the caller's headers of this one request (<see cref="ToolCallOptions.Headers"/>,
    /// <see cref="McpRequestOptions.Headers"/>), already checked by <see cref="RequestHeaders"/>; null for none. The
    /// service's static headers are the engine's (<see cref="HttpOptions.Headers"/>), not these.</summary>
    public KeyValuePair<string, string>[]? CallHeaders { get; init; }
}
