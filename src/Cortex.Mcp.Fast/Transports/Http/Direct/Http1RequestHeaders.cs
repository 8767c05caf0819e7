namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>The headers that change from request to request; null ones are not sent.</summary>
/// <remarks>Values are validated by <see cref="Http1RequestWriter"/> before anything is written.</remarks>
internal readonly struct Http1RequestHeaders
{
    /// <summary>Gets the Authorization value (for example <c>Bearer …</c>).</summary>
    public string? Authorization { get; init; }

    /// <summary>Gets the Mcp-Session-Id value.</summary>
    public string? SessionId { get; init; }

    /// <summary>Gets the MCP-Protocol-Version value.</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>Gets the Last-Event-ID value (resuming a stream).</summary>
    public string? LastEventId { get; init; }
}
