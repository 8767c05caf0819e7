using System.Buffers;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Streams;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// The JSON-RPC exchange over Streamable HTTP: POSTs one message and reads its reply (one JSON body or an SSE
/// stream) through the <see cref="McpMessageRouter"/> until our response arrives; resumes a reply stream with a GET
/// and <c>Last-Event-ID</c>; POSTs notifications and answers; sends the cancellation notice. Knows sessions only as
/// the headers they put on a request; never waits between attempts (its callers decide when to resume).
/// </summary>
/// <remarks>Thread-safe; one instance per transport.</remarks>
internal sealed class JsonRpcExchange
{
    /// <summary>Accept header of every POST. Spec (2025-11-25 transports): the client MUST list both.</summary>
    private const string AcceptBoth = "application/json, text/event-stream";

    /// <summary>How long a notice (cancellation, answer, DELETE) may take: it has its own clock, the caller has gone.</summary>
    public static readonly TimeSpan NoticeTimeout = TimeSpan.FromSeconds(5);

    private readonly IHttpEngine _http;
    private readonly HttpTarget _post;
    private readonly HttpTarget _get;
    private readonly HttpTarget _delete;
    private readonly McpServiceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly AuthHeaderCache? _auth;
    private readonly SecretRedactor _redactor;
    private readonly McpMessageRouter _router;
    private readonly CancellationToken _disposed;
    private readonly StallMonitor _stallMonitor;

    public JsonRpcExchange(IHttpEngine http, Uri postUri, McpServiceOptions options, TimeProvider timeProvider, AuthHeaderCache? auth, SecretRedactor redactor, McpMessageRouter router, StallMonitor stallMonitor, CancellationToken disposed)
    {
        _stallMonitor = stallMonitor;
        _http = http;
        _post = http.CreateTarget(HttpMethod.Post, postUri, AcceptBoth, "application/json");
        _get = EventStreamRequest.CreateTarget(http, postUri);
        _delete = http.CreateTarget(HttpMethod.Delete, postUri, accept: null, contentType: null);
        _options = options;
        _timeProvider = timeProvider;
        _auth = auth;
        _redactor = redactor;
        _router = router;
        _disposed = disposed;
        Responder = new ServerRequestResponder(options.Mcp.ServerRequestHandler, this);
    }

    /// <summary>Answers the server→client requests that arrive on our streams.</summary>
    public ServerRequestResponder Responder { get; }

    /// <summary>
    /// POSTs <paramref name="body"/> and reads replies until <paramref name="request"/> completes.
    /// </summary>
    /// <returns>True when the request completed (with a result or a failure); false when its reply stream ended or
    /// broke before the response (the cursor in <paramref name="request"/> says whether it can be resumed).</returns>
    /// <exception cref="TransportFailure">The POST failed or was refused (a lost session has <see cref="TransportFailure.SessionLost"/>).</exception>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> SendAsync(McpSession session, McpPendingRequest request, ReadOnlyMemory<byte> body, string method, string? name, bool captureSessionId, CancellationToken cancellationToken, KeyValuePair<string, string>[]? callHeaders = null)
    {
        callHeaders = CallHeaders.Check(callHeaders, _auth is not null, _options.Http.Headers);
        if (!session.IsHandshake)
        {
            // The handshake's version is only proposed and its session id not yet given; the request that follows it tags the span.
            McpTelemetry.TagSession(session.SessionId, session.ProtocolVersion);
        }

        var refreshed = false;
        while (true)
        {
            var sentToken = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
            var responseStarted = false;
            HttpEngineResponse? response = null;
            try
            {
                response = await _http.SendAsync(_post, Fields(session, sentToken, method, name, callHeaders: callHeaders), body, cancellationToken).ConfigureAwait(false);
                responseStarted = true;
                if (response.Status == 401 && sentToken is not null && !refreshed)
                {
                    // One refresh and one retry: a 401 means the request was refused, not executed.
                    refreshed = true;
                    await _auth!.RefreshAsync(sentToken, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (captureSessionId && response.SessionId is { } sessionId)
                {
                    request.SessionIdHeader = sessionId;
                }

                var reply = response;
                response = null; // the reply reader owns it now (an event stream is disposed by its reader)
                return await ReadReplyAsync(session, request, reply, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (!session.IsHandshake)
                {
                    // Spec (2025-11-25 cancellation): send notifications/cancelled; then the stream is aborted
                    // (disposing the response), because servers keep it open after the notice.
                    _ = SendCancelledAsync(session, request.Id);
                }

                throw;
            }
            catch (Exception ex) when (ex is not TransportFailure && _http.MapFailure(ex, responseStarted, cancellationToken) is { } failure)
            {
                throw failure;
            }
            finally
            {
                if (response is not null)
                {
                    await response.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// One resumption leg: GET with <c>Last-Event-ID</c> from the request's cursor, then reads like
    /// <see cref="SendAsync"/>. The caller waited the reconnect delay before.
    /// </summary>
    /// <returns>True when the request completed; false when this leg too ended before the response.</returns>
    /// <exception cref="TransportFailure">The GET failed or was refused.</exception>
    public async ValueTask<bool> ResumeAsync(McpSession session, McpPendingRequest request, CancellationToken cancellationToken)
    {
        var token = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var fields = Fields(session, token, lastEventId: EventStreamRequest.LastEventId(request.Cursor));
            var response = await EventStreamRequest.SendAsync(_http, _get, fields, error => ToFailure(session, error), _timeProvider, _redactor, cancellationToken).ConfigureAwait(false);
            return await ReadStreamAsync(session, request, response!, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _ = SendCancelledAsync(session, request.Id);
            throw;
        }
    }

    /// <summary>Opens the session's standalone GET stream (for the subscription hub); null when asked to try again.</summary>
    public async ValueTask<HttpEngineResponse?> OpenStandaloneAsync(McpSession session, StreamCursor cursor, Func<HttpErrorResponse, TransportFailure?> refused, CancellationToken cancellationToken)
    {
        var token = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
        var fields = Fields(session, token, lastEventId: EventStreamRequest.LastEventId(cursor));
        return await EventStreamRequest.SendAsync(_http, _get, fields, refused, _timeProvider, _redactor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The engine of this exchange.</summary>
    public IHttpEngine Engine => _http;

    /// <summary>POSTs a notification or an answer (202 expected; a 200 with any body is tolerated).</summary>
    /// <exception cref="TransportFailure">The POST failed or was refused.</exception>
    public async ValueTask PostAsync(McpSession session, ReadOnlyMemory<byte> body, string method, CancellationToken cancellationToken, KeyValuePair<string, string>[]? callHeaders = null)
    {
        callHeaders = CallHeaders.Check(callHeaders, _auth is not null, _options.Http.Headers);
        var token = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
        var responseStarted = false;
        try
        {
            var response = await _http.SendAsync(_post, Fields(session, token, method, callHeaders: callHeaders), body, cancellationToken).ConfigureAwait(false);
            await using var responseScope = response.ConfigureAwait(false);
            responseStarted = true;
            if (response.Status is < 200 or > 299)
            {
                throw await ReadErrorAsync(session, response, cancellationToken).ConfigureAwait(false);
            }

            // Read what a 200 carries (usually nothing), so the connection can be reused.
            var (buffer, _) = await response.ReadBodyPooledAsync(HttpErrorResponse.MaxErrorBody, cancellationToken).ConfigureAwait(false);
            ArrayPool<byte>.Shared.Return(buffer);
        }
        catch (Exception ex) when (ex is not TransportFailure && _http.MapFailure(ex, responseStarted, cancellationToken) is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>Ends the session with DELETE (best effort: 405, 404 and 400 are all fine; failures are ignored).</summary>
    public async ValueTask DeleteSessionAsync(McpSession session)
    {
        try
        {
            using var timeout = new CancellationTokenSource(NoticeTimeout, _timeProvider);
            var token = _auth is null ? null : await _auth.GetAsync(timeout.Token).ConfigureAwait(false);
            var response = await _http.SendAsync(_delete, Fields(session, token), ReadOnlyMemory<byte>.Empty, timeout.Token).ConfigureAwait(false);
            await response.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TransportFailure || _http.MapFailure(ex, responseStarted: false, CancellationToken.None) is not null)
        {
            // Best effort: the server expires idle sessions anyway.
        }
    }

    /// <summary>Sends <c>notifications/cancelled</c> for a request the caller gave up on (best effort, own deadline).</summary>
    public async Task SendCancelledAsync(McpSession session, long requestId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(NoticeTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _disposed);
            using var body = new PooledBufferWriter(128);
            var writer = session.Writers.Get();
            writer.WriteCancelledNotification(body, requestId, "The caller canceled the request.");
            session.Writers.Return(writer);
            await PostAsync(session, body.WrittenMemory, "notifications/cancelled", linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportFailure or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort: the stream is aborted either way.
        }
    }

    /// <summary>The header fields of a request in <paramref name="session"/>.</summary>
    private static HttpRequestFields Fields(McpSession session, BearerHeader? token, string? method = null, string? name = null, string? lastEventId = null, KeyValuePair<string, string>[]? callHeaders = null) => new()
    {
        CallHeaders = callHeaders,
        Authorization = token?.Header,
        SessionId = session.SessionId,
        ProtocolVersion = session.IsHandshake ? null : session.ProtocolVersion,

        // Spec (2026-07-28 transports): Mcp-Method on every POST; Mcp-Name for tools/call, resources/read, prompts/get.
        McpMethod = session.Stateless ? method : null,
        McpName = session.Stateless && name is not null ? McpHeaderValueEncoding.Encode(name) : null,
        LastEventId = lastEventId,
    };

    /// <summary>Reads a POST reply (which it owns and disposes): 200 with JSON or SSE; anything else is a failure.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadReplyAsync(McpSession session, McpPendingRequest request, HttpEngineResponse response, CancellationToken cancellationToken)
    {
        if (response.IsEventStream)
        {
            return await ReadStreamAsync(session, request, response, cancellationToken).ConfigureAwait(false);
        }

        await using var responseScope = response.ConfigureAwait(false);
        var status = response.Status;
        if (status != 200)
        {
            if (status is 202 or 204)
            {
                throw TransportFailure.Protocol($"the server answered HTTP {status} with no response.", status: status);
            }

            throw await ReadErrorAsync(session, response, cancellationToken).ConfigureAwait(false);
        }

        if (response.IsJson)
        {
            var (buffer, length) = await response.ReadBodyPooledAsync(_options.Http.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
            List<ServerRequest>? requests = null;
            request.OfferReplyBuffer(buffer);
            try
            {
                _router.Route(buffer.AsSpan(0, length), session, request, status, ref requests);
            }
            finally
            {
                request.OfferReplyBuffer(null);
                if (!request.AdoptedReplyBuffer)
                {
                    ArrayPool<byte>.Shared.Return(buffer); // else the tool result owns it now: no copy
                }
            }

            await Responder.AnswerAllAsync(session, requests, cancellationToken).ConfigureAwait(false);
            return request.Completed ? true : throw TransportFailure.Protocol("the server sent a JSON reply without our response.", status: status);
        }

        throw TransportFailure.Protocol($"the server answered with content type '{response.MediaType ?? "(none)"}', neither JSON nor an event stream.", status: status);
    }

    /// <summary>Reads an SSE reply (through the one event-stream reader) until our response or the end of the stream.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadStreamAsync(McpSession session, McpPendingRequest request, HttpEngineResponse response, CancellationToken cancellationToken)
    {
        var reader = await EventStreamReader.OpenAsync(response, _http, request.Cursor, _options.Streams, watchEvents: false, _timeProvider, _stallMonitor, cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.MoveNextAsync(cancellationToken).ConfigureAwait(false) == EventStreamStatus.Message)
            {
                request.Cursor.ConsecutiveFailures = 0; // this leg delivered: a later break starts a fresh run
                List<ServerRequest>? requests = null;
                _router.Route(reader.Data, session, request, 200, ref requests);
                await Responder.AnswerAllAsync(session, requests, cancellationToken).ConfigureAwait(false);
                if (request.Completed)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>The failure of a non-success response; a lost session is recognised (404, or 400 that says so).</summary>
    private async ValueTask<TransportFailure> ReadErrorAsync(McpSession session, HttpEngineResponse response, CancellationToken cancellationToken)
    {
        var error = await HttpErrorResponse.ReadAsync(response, _timeProvider, _redactor, cancellationToken).ConfigureAwait(false);
        return ToFailure(session, error);
    }

    private static TransportFailure ToFailure(McpSession session, HttpErrorResponse error) =>
        !error.IsRedirect && McpHttpErrorBody.IsSessionLost(error.Status, session.SessionId is not null, error.JsonRpc)
            ? TransportFailure.LostSession(error.Status, $"the server no longer knows the MCP session (HTTP {error.Status}).")
            : error.ToFailure();
}
