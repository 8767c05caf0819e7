using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>
/// Per-request settings of the MCP operations other than tool calls (lists, prompts, completion, logging, ping):
/// extra <c>_meta</c>, trace-context propagation, and the bounds of list collection.
/// </summary>
public sealed class McpRequestOptions
{
    /// <summary>The settings used when a caller passes none.</summary>
    internal static readonly McpRequestOptions Default = new();

    /// <summary>
    /// Gets the members to send in the request's <c>params._meta</c>: a JSON object whose members are copied as
    /// they are (for example <c>{"com.example/tenant":"t1"}</c>). Anything other than an object is refused with
    /// <see cref="ArgumentException"/> before any I/O.
    /// </summary>
    /// <value>The default value is <see langword="default"/>: no extra members.</value>
    public JsonElement Meta { get; init; }

    /// <summary>
    /// Gets whether the W3C trace context of <see cref="System.Diagnostics.Activity.Current"/> goes into
    /// <c>params._meta</c> as <c>traceparent</c> and <c>tracestate</c> (SEP-414), so that the server's spans join
    /// the caller's trace.
    /// </summary>
    /// <value>The default value is <see langword="true"/> (nothing is written when there is no current activity).</value>
    public bool PropagateTraceContext { get; init; } = true;

    /// <summary>
    /// Gets the HTTP headers of these requests only (every page of a list), sent after the service's
    /// <see cref="HttpOptions.Headers"/>. A header the service already sends, and <c>Authorization</c> for a service that has a
    /// <see cref="HttpOptions.BearerTokenProvider"/>, are refused before anything is sent.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: none.</value>
    public RequestHeaders? Headers { get; init; }

    /// <summary>
    /// Gets the most items a collecting list operation (<c>ListResourcesAsync</c> and the like) accepts; a server
    /// that lists more gets a <see cref="ServiceProtocolException"/> (enumerate instead to read any number lazily).
    /// </summary>
    /// <value>The default value is 10 000.</value>
    public int MaxListItems { get; init; } = 10_000;

    /// <summary>
    /// Gets the most pages any list operation follows (a server that keeps answering with a <c>nextCursor</c>
    /// cannot make the client loop); past it the operation fails with <see cref="ServiceProtocolException"/>.
    /// </summary>
    /// <value>The default value is 1 000.</value>
    public int MaxListPages { get; init; } = 1_000;
}
