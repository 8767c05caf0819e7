using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Operations;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.StreamableHttp;
using Cortex.Mcp.Fast.Transports.Streams;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.LegacySse;

/// <summary>
/// MCP over the legacy HTTP+SSE transport (protocol revision 2024-11-05): a long-lived GET stream whose first
/// <c>endpoint</c> event names the URL the client POSTs its messages to; every response arrives on the stream and
/// is matched by id (<see cref="LegacySseConnection"/>). Reuses the Streamable HTTP parts: the request writer, the
/// message router, the exchange's POST of notices and answers, and the typed server-request handlers.
/// </summary>
/// <remarks>
/// <para>A broken stream ends the server's session: requests in flight fail (they may have run), and the next
/// request opens a new stream and handshake, trying at most <see cref="MaxConnectAttempts"/> times with the reconnect
/// backoff before failing with the last cause.</para>
/// <para>Not offered: resuming a reply stream (2024-11-05 has no event ids) and resource subscriptions.</para>
/// <para>Thread-safe; one instance per endpoint.</para>
/// </remarks>
internal sealed partial class LegacySseTransport : IMcpTransport
{
    /// <summary>The protocol revision of this transport.</summary>
    public const string ProtocolVersion = "2024-11-05";

    /// <summary>Stream opens tried for one request before it fails.</summary>
    public const int MaxConnectAttempts = 3;

    private readonly Uri _streamUri;
    private readonly IHttpEngine _http;
    private readonly HttpTarget _get;
    private readonly McpServiceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationTokenSource _disposed = new();
    private readonly AuthHeaderCache? _auth;
    private readonly SecretRedactor _redactor;
    private readonly StallMonitor _stallMonitor;
    private readonly SubscriptionHub _hub;
    private readonly McpMessageRouter _router;
    private readonly ServerRequestHandlers _handlers;
    private readonly KeyValuePair<string, object?> _serviceTag;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private LegacySseConnection? _connection;
    private int _generation;

    /// <summary>Creates the transport; nothing is sent until the first request.</summary>
    /// <param name="service">The service name (handlers and telemetry).</param>
    /// <param name="streamUri">The SSE URL, used exactly as configured.</param>
    /// <param name="options">The service's settings snapshot.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="notifications">The caller's notification handlers, or null.</param>
    public LegacySseTransport(string service, Uri streamUri, McpServiceOptions options, TimeProvider timeProvider, McpNotificationHandlers? notifications = null)
    {
        _streamUri = streamUri;
        _options = options;
        _timeProvider = timeProvider;
        _serviceTag = McpTelemetry.ServiceTag(service);
        // The stream holds one connection; requests, answers and notices share the rest.
        _http = HttpEngines.Create(streamUri, options, options.Queue.WorkerCount + 4, timeProvider);
        _get = EventStreamRequest.CreateTarget(_http, streamUri);
        _auth = options.Http.BearerTokenProvider is { } provider ? new AuthHeaderCache(provider) : null;
        _redactor = new SecretRedactor(_auth, options.Http.Headers);
        _stallMonitor = new StallMonitor(timeProvider);
        _hub = new SubscriptionHub(options, timeProvider, _stallMonitor, static () => { }, _disposed.Token);
        _router = new McpMessageRouter(_hub, _redactor, notifications);
        _handlers = new ServerRequestHandlers(service, options.Mcp, timeProvider);
    }

    public Uri Address => _http.BaseAddress;

    public int OpenConnections => _http.OpenConnections;

    /// <summary>Streams opened so far, each with its handshake (intended for testing).</summary>
    internal int Connections => Volatile.Read(ref _generation);

    /// <summary>The message URL the current stream announced (intended for testing).</summary>
    internal Uri? MessageEndpoint => Volatile.Read(ref _connection)?.MessageEndpoint;

    /// <summary>Completes when the current stream ended (intended for testing); null before the first stream.</summary>
    internal Task? StreamCompletion => Volatile.Read(ref _connection)?.Completion;

    public async ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken)
    {
        try
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (TransportFailure)
        {
            // Best effort: the first call reports failures with context.
        }
    }

    public string? ValidateResourcePath(string path) =>
        string.IsNullOrEmpty(path) ? "a resource URI must not be empty."
        : path.Length > 2048 ? "a resource URI must be at most 2048 characters."
        : path.Any(char.IsControl) ? "a resource URI must not contain control characters."
        : Uri.TryCreate(path, UriKind.Absolute, out _) ? null : "an MCP resource must be named by an absolute URI.";

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<ToolResult> CallToolAsync(string tool, ReadOnlyMemory<byte> argumentsUtf8, Cortex.Mcp.Fast.Transports.ToolCallMeta meta, IProgress<McpProgress>? progress, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var session = connection.Session!;
        var request = new McpPendingRequest(session.Ids.Next(), McpReplyKind.ToolCall, progress);
        try
        {
            using (var body = session.WriteBody(request.Id, (tool, argumentsUtf8, progress is not null, meta), static (writer, output, id, s) => writer.WriteToolsCall(output, id, s.tool, s.argumentsUtf8.Span, s.Item3 ? id : null, s.meta)))
            {
                await ExchangeAsync(connection, session, request, body.WrittenMemory, "tools/call", cancellationToken, meta.Headers).ConfigureAwait(false);
            }

            return StreamableHttpTransport.TakeToolResult(request);
        }
        catch
        {
            request.Dispose();
            throw;
        }
    }

    /// <summary>Never called: this transport does not suspend calls (2024-11-05 streams cannot be resumed).</summary>
    public ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken) =>
        ValueTask.FromException<ToolResult>(TransportFailure.NotSupported("the legacy HTTP+SSE transport cannot resume a reply."));

    public async ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        if (connection.Session!.Tools is { } cached)
        {
            return cached;
        }

        var list = await McpResultReader.ReadAllToolsAsync(
            this,
            static (self, cursor, ct) => self.RunAsync("tools/list", cursor, static (writer, output, id, c) => writer.WriteToolsList(output, id, c), ct),
            cancellationToken).ConfigureAwait(false);
        connection.Session.Tools = list;
        return list;
    }

    public async IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (ValidateResourcePath(path) is { } reason)
        {
            throw TransportFailure.InvalidTarget(reason);
        }

        var (buffer, length) = await RunAsync("resources/read", path, static (writer, output, id, u) => writer.WriteResourcesRead(output, id, u), cancellationToken).ConfigureAwait(false);
        foreach (var item in McpResultReader.ReadContents(buffer, length, readItem, onInvalidItem))
        {
            yield return item;
        }
    }

    public IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string uri, CancellationToken cancellationToken) =>
        throw TransportFailure.NotSupported("resource subscriptions are not offered over the legacy HTTP+SSE transport.");

    public async ValueTask<T> SendRequestAsync<TState, T>(McpRequest request, TState state, McpParamsWriter<TState>? writeParams, McpResultParser<T> parse, CancellationToken cancellationToken)
    {
        var (buffer, length) = await RunAsync(
            request.Method.Text,
            (request, state, writeParams),
            static (writer, output, id, s) => writer.WriteRequest(output, id, s.request, s.state, s.writeParams),
            cancellationToken,
            request.Options.Headers?.Snapshot()).ConfigureAwait(false);
        return McpResultReader.ParseAndReturn(buffer, length, parse);
    }

    public async ValueTask<McpServerInfo> GetServerInfoAsync(CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        return connection.Session!.ServerInfo ?? McpResultParsers.Stateless(ProtocolVersion);
    }

    public async ValueTask<bool> NotifyRootsChangedAsync(CancellationToken cancellationToken)
    {
        if (!_handlers.HasRoots)
        {
            throw TransportFailure.NotSupported("no RootsHandler is set, so the client did not declare roots.");
        }

        if (Volatile.Read(ref _connection) is not { IsEnded: false, Session: { } session } connection)
        {
            return false;
        }

        using var body = new PooledBufferWriter(128);
        var writer = session.Writers.Get();
        try
        {
            writer.WriteRootsListChangedNotification(body);
        }
        finally
        {
            session.Writers.Return(writer);
        }

        await connection.Exchange.PostAsync(session, body.WrittenMemory, "notifications/roots/list_changed", cancellationToken).ConfigureAwait(false);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }

        _stallMonitor.Dispose();
        await _http.DisposeAsync().ConfigureAwait(false);
        _connectGate.Dispose();
        _disposed.Dispose();
    }

    /// <summary>POSTs a request to the announced endpoint and waits for its response on the stream.</summary>
    private static async ValueTask ExchangeAsync(LegacySseConnection connection, McpSession session, McpPendingRequest request, ReadOnlyMemory<byte> body, string method, CancellationToken cancellationToken, KeyValuePair<string, string>[]? callHeaders = null)
    {
        var done = connection.Expect(request);
        try
        {
            // Spec (2024-11-05 transports): the POST is acknowledged (202); the response comes on the stream.
            await connection.Exchange.PostAsync(session, body, method, cancellationToken, callHeaders).ConfigureAwait(false);
            await done.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            connection.Abandon(request.Id);
            if (!session.IsHandshake)
            {
                _ = connection.Exchange.SendCancelledAsync(session, request.Id);
            }

            throw;
        }
        catch
        {
            connection.Abandon(request.Id);
            throw;
        }
    }

    /// <summary>Runs one request other than tools/call and returns its result (pooled; the caller returns it).</summary>
    private async ValueTask<(byte[] Buffer, int Length)> RunAsync<TState>(string method, TState state, RequestBodyWriter<TState> write, CancellationToken cancellationToken, KeyValuePair<string, string>[]? callHeaders = null)
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var session = connection.Session!;
        using var request = new McpPendingRequest(session.Ids.Next(), McpReplyKind.Plain);
        using (var body = session.WriteBody(request.Id, state, write))
        {
            await ExchangeAsync(connection, session, request, body.WrittenMemory, method, cancellationToken, callHeaders).ConfigureAwait(false);
        }

        return request.TakeResult();
    }
}
