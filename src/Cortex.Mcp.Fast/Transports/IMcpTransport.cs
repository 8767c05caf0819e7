using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Operations;

namespace Cortex.Mcp.Fast.Transports;

/// <summary>Reads one item of a resource stream from its UTF-8 JSON bytes; throws <see cref="System.Text.Json.JsonException"/> on bad input.</summary>
internal delegate T Utf8ItemReader<out T>(ReadOnlySpan<byte> utf8Json);

/// <summary>
/// One protocol spoken to one endpoint, in protocol-neutral operations. The dispatcher knows only this interface,
/// never HTTP types, and the facade never names a concrete transport.
/// </summary>
/// <remarks>
/// <para>Contract. A failure is thrown as a <see cref="TransportFailure"/> (what happened: kind, status, JSON-RPC code,
/// whether the request provably never left, Retry-After, a sanitised detail); the caller, which knows the service
/// and the operation, builds the public exception with <see cref="ErrorFactory"/>. An
/// <see cref="OperationCanceledException"/> is thrown only when the operation's own token fired. A tool call whose
/// reply stream broke in a way the protocol can resume throws <see cref="ResumeRequired"/>: the attempt is not over,
/// and the caller continues it with <see cref="ResumeToolCallAsync"/> after <see cref="ToolCallResumption.Delay"/>
/// (so that no worker ever sleeps). An operation the protocol does not have fails with
/// <see cref="FailureShape.NotSupported"/> before any I/O.</para>
/// <para>Implementations are thread-safe; one instance serves every worker and stream of an endpoint.</para>
/// </remarks>
internal interface IMcpTransport : IAsyncDisposable
{
    /// <summary>The address this transport talks to.</summary>
    Uri Address { get; }

    /// <summary>Connections currently open to the address.</summary>
    int OpenConnections { get; }

    /// <summary>Opens up to <paramref name="connections"/> pooled connections (and the MCP session) ahead of use; best effort.</summary>
    ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken);

    /// <summary>Checks a resource path (or URI) before any I/O; returns null when acceptable, else the reason it is not.</summary>
    string? ValidateResourcePath(string path);

    /// <summary>Sends one attempt of a tool call and returns its result.</summary>
    /// <param name="tool">The tool name (already validated).</param>
    /// <param name="argumentsUtf8">The arguments object as UTF-8 JSON.</param>
    /// <param name="meta">What goes into <c>params._meta</c> (protocols without it ignore it).</param>
    /// <param name="progress">Receives progress notifications, or null (then none are requested).</param>
    /// <param name="cancellationToken">Aborts the attempt.</param>
    ValueTask<ToolResult> CallToolAsync(string tool, ReadOnlyMemory<byte> argumentsUtf8, ToolCallMeta meta, IProgress<McpProgress>? progress, CancellationToken cancellationToken);

    /// <summary>Continues a tool call whose reply stream broke (same attempt: same request id, same session).</summary>
    /// <param name="resumption">What <see cref="ResumeRequired"/> carried; the transport disposes it when the call ends.</param>
    /// <param name="cancellationToken">Aborts the attempt.</param>
    ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken);

    /// <summary>The server's tools (every page).</summary>
    ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Streams a resource: one item per data event (REST) or per content (MCP), read with <paramref name="readItem"/>.
    /// Items that fail to read are skipped and reported through <paramref name="onInvalidItem"/>.
    /// </summary>
    IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, CancellationToken cancellationToken);

    /// <summary>Subscribes to changes of a resource and yields one update per change notice, until cancelled.</summary>
    IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string uri, CancellationToken cancellationToken);

    /// <summary>
    /// Sends <c>notifications/roots/list_changed</c> on the current session; returns false when there is no session
    /// yet (the server asks for the roots when it starts one). Protocols without roots fail with
    /// <see cref="FailureShape.NotSupported"/>.
    /// </summary>
    ValueTask<bool> NotifyRootsChangedAsync(CancellationToken cancellationToken) =>
        throw TransportFailure.NotSupported("the protocol has no roots.");

    /// <summary>
    /// Sends one MCP request other than tools/call (a list page, prompts/get, completion/complete, logging/setLevel,
    /// ping) and reads its result with <paramref name="parse"/> while the reply is held; the reply's memory is back
    /// in its pool when this completes. Protocols without MCP operations fail with <see cref="FailureShape.NotSupported"/>
    /// (the default, so that test doubles need not implement it).
    /// </summary>
    /// <param name="request">The method, its <c>Mcp-Name</c> and the caller's options (<c>_meta</c>, trace context).</param>
    /// <param name="state">What <paramref name="writeParams"/> writes from.</param>
    /// <param name="writeParams">Writes the members of <c>params</c>, or null for none.</param>
    /// <param name="parse">Reads the raw <c>result</c>.</param>
    /// <param name="cancellationToken">Aborts the request.</param>
    ValueTask<T> SendRequestAsync<TState, T>(McpRequest request, TState state, McpParamsWriter<TState>? writeParams, McpResultParser<T> parse, CancellationToken cancellationToken) =>
        ValueTask.FromException<T>(TransportFailure.NotSupported($"this protocol has no {request.Method.Text}."));

    /// <summary>The server's description and the negotiated revision (starts the session when needed).</summary>
    ValueTask<McpServerInfo> GetServerInfoAsync(CancellationToken cancellationToken) =>
        ValueTask.FromException<McpServerInfo>(TransportFailure.NotSupported("this protocol has no server description."));
}

/// <summary>
/// The state a transport needs to continue a tool call whose reply stream broke: owned by the call while it waits,
/// handed back through <see cref="IMcpTransport.ResumeToolCallAsync"/>.
/// </summary>
internal abstract class ToolCallResumption : IDisposable
{
    /// <summary>How long to wait before resuming: exactly the server's <c>retry</c> on the first reconnect; floors and
    /// backoff apply only to repeated failures.</summary>
    public abstract TimeSpan Delay { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Returns pooled state.</summary>
    protected abstract void Dispose(bool disposing);
}

/// <summary>
/// Thrown by <see cref="IMcpTransport.CallToolAsync"/> or <see cref="IMcpTransport.ResumeToolCallAsync"/> when the
/// reply stream broke and the protocol can resume it: not a failure, not a retry, the same attempt continues later.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "Internal control signal.")]
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "Never escapes the library.")]
internal sealed class ResumeRequired(ToolCallResumption resumption) : Exception("The reply stream broke; the call resumes after a delay.")
{
    /// <summary>The state to resume with.</summary>
    public ToolCallResumption Resumption { get; } = resumption;
}
