namespace Cortex.Mcp.Fast;

/// <summary>Per-call overrides of a service's defaults.</summary>
/// <remarks>Instances may be shared and reused across calls; the client never mutates them.</remarks>
public sealed class ToolCallOptions
{
    /// <summary>Gets or sets the call's deadline (queue wait, every attempt and every backoff), or null for the service default.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets or sets the number of retries after the first attempt, or null for the service default.</summary>
    /// <value>The default value is <see langword="null"/>. 0 means exactly one attempt.</value>
    public int? MaxRetries { get; init; }

    /// <summary>
    /// Gets or sets whether the tool may safely run twice. A non-idempotent call is retried only when the request
    /// provably never left this process.
    /// </summary>
    /// <value>The default value is <see langword="true"/> (every call may be retried).</value>
    public bool Idempotent { get; init; } = true;

    /// <summary>
    /// Gets or sets a receiver of progress notifications. When set, an MCP Streamable HTTP call asks the server for
    /// progress (<c>_meta.progressToken</c>) and reports each <c>notifications/progress</c> for it; the REST protocol
    /// has no progress and ignores it.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no progress token is sent).</value>
    public IProgress<McpProgress>? Progress { get; init; }

    /// <summary>
    /// Gets the members to send in the call's <c>params._meta</c> (MCP only): a JSON object whose members are copied
    /// as they are, for example <c>{"com.example/tenant":"t1"}</c>. Anything other than an object is refused with
    /// <see cref="ArgumentException"/> before the call is queued.
    /// </summary>
    /// <value>The default value is <see langword="default"/>: no extra members.</value>
    public System.Text.Json.JsonElement Meta { get; init; }

    /// <summary>
    /// Gets whether the W3C trace context of <see cref="System.Diagnostics.Activity.Current"/> when the call is made
    /// goes into <c>params._meta</c> as <c>traceparent</c> and <c>tracestate</c> (SEP-414; MCP only).
    /// </summary>
    /// <value>The default value is <see langword="true"/> (nothing is written when there is no current activity).</value>
    public bool PropagateTraceContext { get; init; } = true;

    /// <summary>
    /// Gets the HTTP headers of this call only (a tenant, a request id, a per-user API key), sent with the call's
    /// request after the service's <see cref="HttpOptions.Headers"/>, on both engines, with the REST call or the MCP
    /// Streamable HTTP or legacy HTTP+SSE <c>tools/call</c> POST.
    /// Copied when the call is accepted. A header the service already sends, and <c>Authorization</c> for a service
    /// that has a <see cref="HttpOptions.BearerTokenProvider"/>, are refused before anything is sent
    /// (<see cref="ServiceCallException"/> with <see cref="ServiceCallException.RequestNotSent"/>).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: none.</value>
    public RequestHeaders? Headers { get; init; }

    /// <summary>Options that mark a call non-idempotent and keep every other default.</summary>
    public static ToolCallOptions NonIdempotent { get; } = new() { Idempotent = false };
}

/// <summary>One MCP <c>notifications/progress</c> for a tool call, reported to <see cref="ToolCallOptions.Progress"/>.</summary>
public sealed class McpProgress
{
    /// <summary>Creates a progress report.</summary>
    /// <param name="progress">The progress so far.</param>
    /// <param name="total">The total, or null.</param>
    /// <param name="message">A human-readable status, or null.</param>
    internal McpProgress(double progress, double? total, string? message)
    {
        Progress = progress;
        Total = total;
        Message = message;
    }

    /// <summary>Gets the progress so far (increases with every notification).</summary>
    public double Progress { get; }

    /// <summary>Gets the total, when the server knows it.</summary>
    public double? Total { get; }

    /// <summary>Gets a human-readable status, when the server sent one.</summary>
    public string? Message { get; }
}
