using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Streams;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>Writes a request body for id <c>id</c> from <c>state</c>.</summary>
internal delegate void RequestBodyWriter<TState>(JsonRpcRequestWriter writer, IBufferWriter<byte> output, long id, TState state);

/// <summary>
/// MCP over Streamable HTTP: every JSON-RPC message is its own POST to the one endpoint URL, answered by one JSON
/// body or an SSE stream. This type only composes the parts and maps the protocol-neutral operations onto methods:
/// <see cref="McpSessionManager"/> (initialize, version, session id, single-flight renewal, DELETE),
/// <see cref="JsonRpcExchange"/> (POST, reply reading, resumption GET, notices), <see cref="McpMessageRouter"/> (the
/// one router for messages on any stream), <see cref="ServerRequestResponder"/> and <see cref="SubscriptionHub"/>
/// (the standalone stream and its subscribers).
/// </summary>
/// <remarks>
/// <para>A request the server answers with "session lost" (404, or a 400 that says so) was not executed: one new
/// session is started and the request sent once more, which is safe even for non-idempotent tools.</para>
/// <para>A tool call whose reply stream breaks after an event id is suspended, not failed: it throws
/// <see cref="ResumeRequired"/> and the dispatcher resumes it after the server's <c>retry</c>, off the worker. Other
/// requests (tools/list, resources/read, subscribe) do not run on workers and resume in place.</para>
/// <para>Thread-safe; one instance per endpoint, shared by the service's workers and streams.</para>
/// </remarks>
internal sealed partial class StreamableHttpTransport : IMcpTransport
{
    private readonly IHttpEngine _http;
    private readonly McpServiceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _disposed = new();
    private readonly McpSessionManager _sessions;
    private readonly JsonRpcExchange _exchange;
    private readonly SubscriptionHub _hub;
    private readonly ReplyResumer _resumer;
    private readonly StallMonitor _stallMonitor;
    private readonly KeyValuePair<string, object?> _serviceTag;
    private readonly ServerRequestHandlers _handlers;
    private readonly Operations.McpNotificationHandlers? _notifications;

    /// <summary>Creates the transport.</summary>
    /// <param name="service">The service name, for telemetry tags only (errors are named by the caller).</param>
    /// <param name="endpoint">The MCP endpoint URL, used exactly as configured.</param>
    /// <param name="options">The service's settings snapshot.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="notifications">The caller's notification handlers of the service, or null.</param>
    public StreamableHttpTransport(string service, Uri endpoint, McpServiceOptions options, TimeProvider timeProvider, Operations.McpNotificationHandlers? notifications = null)
    {
        _options = options;
        _timeProvider = timeProvider;
        _serviceTag = McpTelemetry.ServiceTag(service);

        // Extra connections for cancellation notices, answers to server requests and resumption GETs.
        _http = HttpEngines.Create(endpoint, options, options.Queue.WorkerCount + options.Streams.MaxConcurrent + 4, timeProvider);
        var auth = options.Http.BearerTokenProvider is { } provider ? new AuthHeaderCache(provider) : null;
        var redactor = new SecretRedactor(auth, options.Http.Headers);
        _stallMonitor = new StallMonitor(timeProvider);
        _hub = new SubscriptionHub(options, timeProvider, _stallMonitor, OnReconnect, _disposed.Token);
        var router = new McpMessageRouter(_hub, redactor, notifications);
        _exchange = new JsonRpcExchange(_http, endpoint, options, timeProvider, auth, redactor, router, _stallMonitor, _disposed.Token);
        // The client declares exactly the capabilities it has handlers for (StreamableHttpTransport.ClientFeatures.cs).
        _handlers = new ServerRequestHandlers(service, options.Mcp, timeProvider);
        _exchange.Responder.Attach(_handlers);
        _sessions = new McpSessionManager(_exchange, options, _handlers.Identity, timeProvider, _disposed.Token);
        _resumer = new ReplyResumer(_exchange, _sessions, options.Streams, timeProvider, OnReconnect);
        _hub.Attach(_sessions, _exchange, router, SendSubscriptionAsync);
        if (_exchange.Responder.HasHandler)
        {
            // Servers send sampling, elicitation and roots requests on the standalone stream and drop them when
            // none is open: a client that declares those capabilities keeps it open from the first session on.
            _sessions.SessionStarted += _ => _hub.KeepOpen();
        }

        _notifications = notifications;
        AttachNotifications();
    }

    public Uri Address => _http.BaseAddress;

    public int OpenConnections => _http.OpenConnections;

    /// <summary>Number of initialize handshakes started (intended for testing).</summary>
    internal int InitializeCount => _sessions.InitializeCount;

    /// <summary>The current session id (intended for testing only; never logged).</summary>
    internal string? CurrentSessionId => _sessions.Current?.SessionId;

    /// <summary>The negotiated revision of the current session (intended for testing).</summary>
    internal string? NegotiatedVersion => _sessions.Current?.ProtocolVersion;

    /// <summary>Standalone GET streams opened so far (intended for testing).</summary>
    internal int StandaloneOpens => _hub.StandaloneOpens;

    /// <summary>Starts the session ahead of use (best effort; the first call reports failures with context).</summary>
    public async ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken)
    {
        try
        {
            await _sessions.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TransportFailure)
        {
            // Best effort, see above.
        }
    }

    /// <summary>For MCP the path is a resource URI: absolute, at most 2048 characters, no control characters.</summary>
    public string? ValidateResourcePath(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "a resource URI must not be empty.";
        }

        if (path.Length > 2048)
        {
            return "a resource URI must be at most 2048 characters.";
        }

        foreach (var c in path)
        {
            if (char.IsControl(c))
            {
                return "a resource URI must not contain control characters.";
            }
        }

        return Uri.TryCreate(path, UriKind.Absolute, out _) ? null : "an MCP resource must be named by an absolute URI.";
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<ToolResult> CallToolAsync(string tool, ReadOnlyMemory<byte> argumentsUtf8, Cortex.Mcp.Fast.Transports.ToolCallMeta meta, IProgress<McpProgress>? progress, CancellationToken cancellationToken)
    {
        for (var renewed = false; ; renewed = true)
        {
            var session = await _sessions.GetAsync(cancellationToken).ConfigureAwait(false);
            var request = McpPendingRequest.Rent(session.Ids.Next(), McpReplyKind.ToolCall, progress);
            bool completed;
            try
            {
                using var body = session.WriteBody(request.Id, new ToolCallBody(tool, argumentsUtf8, progress is not null, meta), static (writer, output, id, body) => writer.WriteToolsCall(output, id, body.Tool, body.Arguments.Span, body.WithProgress ? id : null, body.Meta));
                completed = await _exchange.SendAsync(session, request, body.WrittenMemory, "tools/call", tool, captureSessionId: false, cancellationToken, meta.Headers).ConfigureAwait(false);
            }
            catch (TransportFailure failure) when (failure.SessionLost && !renewed)
            {
                request.Dispose();
                _sessions.Invalidate(session);
                continue;
            }
            catch (TransportFailure failure) when (failure.SessionLost)
            {
                request.Dispose();
                _sessions.Invalidate(session);
                throw;
            }
            catch
            {
                request.Dispose();
                throw;
            }

            return completed ? TakeToolResultAndRecycle(request) : throw _resumer.Suspend(session, request);
        }
    }

    public ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken) =>
        _resumer.ResumeToolCallAsync(resumption, cancellationToken);

    /// <summary>The server's tools (<c>tools/list</c>, every page), cached per session until <c>list_changed</c>.</summary>
    public async ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken)
    {
        var session = await _sessions.GetAsync(cancellationToken).ConfigureAwait(false);
        if (session.Tools is { } cached)
        {
            return cached;
        }

        var list = await McpResultReader.ReadAllToolsAsync(
            this,
            static (self, cursor, ct) => self.RunAsync("tools/list", null, cursor, static (writer, output, id, c) => writer.WriteToolsList(output, id, c), ct),
            cancellationToken).ConfigureAwait(false);
        // Cached on the session it was read from: a replaced session starts with an empty cache.
        var current = await _sessions.GetAsync(cancellationToken).ConfigureAwait(false);
        current.Tools = list;
        return list;
    }

    /// <summary><c>resources/read</c>: one item per entry of <c>contents</c> (the text or blob object itself).</summary>
    public async IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (ValidateResourcePath(path) is { } reason)
        {
            throw TransportFailure.InvalidTarget(reason);
        }

        var (buffer, length) = await RunAsync("resources/read", path, path, static (writer, output, id, u) => writer.WriteResourcesRead(output, id, u), cancellationToken).ConfigureAwait(false);
        foreach (var item in McpResultReader.ReadContents(buffer, length, readItem, onInvalidItem))
        {
            yield return item;
        }
    }

    /// <summary>Subscribes through the hub (the session's standalone stream).</summary>
    public async IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (ValidateResourcePath(uri) is { } reason)
        {
            throw TransportFailure.InvalidTarget(reason);
        }

        await foreach (var update in _hub.SubscribeAsync(uri, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        DetachNotifications();
        await _disposed.CancelAsync().ConfigureAwait(false);
        await _sessions.EndAsync().ConfigureAwait(false);
        _stallMonitor.Dispose();
        await _http.DisposeAsync().ConfigureAwait(false);
        _disposed.Dispose();
    }

    /// <summary>Takes the result of a completed tools/call (the pending request is disposed).</summary>
    internal static ToolResult TakeToolResult(McpPendingRequest request)
    {
        using (request)
        {
            return request.TakeToolResult();
        }
    }

    /// <summary>
    /// <see cref="TakeToolResult"/> for a request completed in its one exchange (never suspended, so nothing else
    /// holds it): a successful one goes back to this thread's slot.
    /// </summary>
    private static ToolResult TakeToolResultAndRecycle(McpPendingRequest request)
    {
        var result = TakeToolResult(request);
        McpPendingRequest.Recycle(request);
        return result;
    }

    private void OnReconnect() => McpTelemetry.Reconnects.Add(1, _serviceTag);

    /// <summary>
    /// Runs one request other than tools/call on the current session (renewing a lost session once) and returns its
    /// result (pooled; the caller returns it). A broken reply stream is resumed here, after the reconnect delay:
    /// these requests hold no worker.
    /// </summary>
    private async ValueTask<(byte[] Buffer, int Length)> RunAsync<TState>(string method, string? name, TState state, RequestBodyWriter<TState> write, CancellationToken cancellationToken, KeyValuePair<string, string>[]? callHeaders = null)
    {
        for (var renewed = false; ; renewed = true)
        {
            var session = await _sessions.GetAsync(cancellationToken).ConfigureAwait(false);
            using var request = new McpPendingRequest(session.Ids.Next(), McpReplyKind.Plain);
            try
            {
                bool completed;
                using (var body = session.WriteBody(request.Id, state, write))
                {
                    completed = await _exchange.SendAsync(session, request, body.WrittenMemory, method, name, captureSessionId: false, cancellationToken, callHeaders).ConfigureAwait(false);
                }

                if (!completed)
                {
                    await _resumer.ResumeInPlaceAsync(session, request, cancellationToken).ConfigureAwait(false);
                }

                return request.TakeResult();
            }
            catch (TransportFailure failure) when (failure.SessionLost)
            {
                _sessions.Invalidate(session);
                if (renewed)
                {
                    throw;
                }
            }
        }
    }

    private async ValueTask SendSubscriptionAsync(string uri, bool subscribe, CancellationToken cancellationToken)
    {
        var (buffer, _) = subscribe
            ? await RunAsync("resources/subscribe", null, uri, static (writer, output, id, u) => writer.WriteResourcesSubscribe(output, id, u), cancellationToken).ConfigureAwait(false)
            : await RunAsync("resources/unsubscribe", null, uri, static (writer, output, id, u) => writer.WriteResourcesUnsubscribe(output, id, u), cancellationToken).ConfigureAwait(false);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>The state a tools/call body is written from (no closure per call).</summary>
    private readonly record struct ToolCallBody(string Tool, ReadOnlyMemory<byte> Arguments, bool WithProgress, ToolCallMeta Meta);
}
