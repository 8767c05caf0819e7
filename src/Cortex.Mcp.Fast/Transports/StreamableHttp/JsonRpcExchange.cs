using System.Buffers;
using System.Net;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Streams;

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

    private readonly HttpEngine _http;
    private readonly Uri _postUri;
    private readonly McpServiceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly AuthHeaderCache? _auth;
    private readonly SecretRedactor _redactor;
    private readonly McpMessageRouter _router;
    private readonly CancellationToken _disposed;
    private readonly StallMonitor _stallMonitor;

    public JsonRpcExchange(HttpEngine http, Uri postUri, McpServiceOptions options, TimeProvider timeProvider, AuthHeaderCache? auth, SecretRedactor redactor, McpMessageRouter router, StallMonitor stallMonitor, CancellationToken disposed)
    {
        _stallMonitor = stallMonitor;
        _http = http;
        _postUri = postUri;
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
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<bool> SendAsync(McpSession session, McpPendingRequest request, ReadOnlyMemory<byte> body, string method, string? name, bool captureSessionId, CancellationToken cancellationToken)
    {
        var refreshed = false;
        while (true)
        {
            var sentToken = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
            var responseStarted = false;
            HttpResponseMessage? response = null;
            using var post = CreatePost(session, body, method, name, sentToken);
            try
            {
                response = await _http.Invoker.SendAsync(post, cancellationToken).ConfigureAwait(false);
                responseStarted = true;
                if (response.StatusCode == HttpStatusCode.Unauthorized && sentToken is not null && !refreshed)
                {
                    // One refresh and one retry: a 401 means the request was refused, not executed.
                    refreshed = true;
                    await _auth!.RefreshAsync(sentToken, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (captureSessionId && response.Headers.TryGetValues(McpHeaders.SessionId, out var values))
                {
                    request.SessionIdHeader = values.FirstOrDefault();
                }

                return await ReadReplyAsync(session, request, response, cancellationToken).ConfigureAwait(false);
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
            catch (Exception ex) when (ex is not TransportFailure && HttpFailureMapper.Map(ex, _http.ConnectTimeout, responseStarted, cancellationToken) is { } failure)
            {
                throw failure;
            }
            finally
            {
                response?.Dispose();
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
        using var get = new HttpRequestMessage(HttpMethod.Get, _postUri);
        EventStreamRequest.Prepare(get, request.Cursor);
        AddSessionHeaders(get, session);
        await AddAuthAsync(get, cancellationToken).ConfigureAwait(false);
        try
        {
            var response = await EventStreamRequest.SendAsync(_http, get, error => ToFailure(session, error), _timeProvider, _redactor, cancellationToken).ConfigureAwait(false);
            return await ReadStreamAsync(session, request, response!, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _ = SendCancelledAsync(session, request.Id);
            throw;
        }
    }

    /// <summary>Opens the session's standalone GET stream (for the subscription hub); null when asked to try again.</summary>
    public async ValueTask<HttpResponseMessage?> OpenStandaloneAsync(McpSession session, StreamCursor cursor, Func<HttpErrorResponse, TransportFailure?> refused, CancellationToken cancellationToken)
    {
        using var get = new HttpRequestMessage(HttpMethod.Get, _postUri);
        EventStreamRequest.Prepare(get, cursor);
        AddSessionHeaders(get, session);
        await AddAuthAsync(get, cancellationToken).ConfigureAwait(false);
        return await EventStreamRequest.SendAsync(_http, get, refused, _timeProvider, _redactor, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>POSTs a notification or an answer (202 expected; a 200 with any body is tolerated).</summary>
    /// <exception cref="TransportFailure">The POST failed or was refused.</exception>
    public async ValueTask PostAsync(McpSession session, ReadOnlyMemory<byte> body, string method, CancellationToken cancellationToken)
    {
        var token = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
        using var post = CreatePost(session, body, method, null, token);
        var responseStarted = false;
        try
        {
            using var response = await _http.Invoker.SendAsync(post, cancellationToken).ConfigureAwait(false);
            responseStarted = true;
            if (!response.IsSuccessStatusCode)
            {
                throw await ReadErrorAsync(session, response, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not TransportFailure && HttpFailureMapper.Map(ex, _http.ConnectTimeout, responseStarted, cancellationToken) is { } failure)
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
            using var delete = new HttpRequestMessage(HttpMethod.Delete, _postUri);
            AddSessionHeaders(delete, session);
            await AddAuthAsync(delete, timeout.Token).ConfigureAwait(false);
            using var response = await _http.Invoker.SendAsync(delete, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or TransportFailure)
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

    private static void AddSessionHeaders(HttpRequestMessage request, McpSession session)
    {
        if (session.SessionId is { } id)
        {
            request.Headers.TryAddWithoutValidation(McpHeaders.SessionId, id);
        }

        if (!session.IsHandshake)
        {
            request.Headers.TryAddWithoutValidation(McpHeaders.ProtocolVersion, session.ProtocolVersion);
        }
    }

    private HttpRequestMessage CreatePost(McpSession session, ReadOnlyMemory<byte> body, string method, string? name, BearerHeader? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _postUri) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        request.Headers.TryAddWithoutValidation("Accept", AcceptBoth);
        AddSessionHeaders(request, session);
        if (session.Stateless)
        {
            // Spec (2026-07-28 transports): Mcp-Method on every POST; Mcp-Name for tools/call, resources/read, prompts/get.
            request.Headers.TryAddWithoutValidation(McpHeaders.Method, method);
            if (name is not null)
            {
                request.Headers.TryAddWithoutValidation(McpHeaders.Name, McpHeaderValueEncoding.Encode(name));
            }
        }

        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", token.Header);
        }

        return request;
    }

    private async ValueTask AddAuthAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_auth is not null)
        {
            var token = await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
            request.Headers.TryAddWithoutValidation("Authorization", token.Header);
        }
    }

    /// <summary>Reads a POST reply: 200 with JSON or SSE; anything else is a failure.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadReplyAsync(McpSession session, McpPendingRequest request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status != 200)
        {
            if (status is 202 or 204)
            {
                throw TransportFailure.Protocol($"the server answered HTTP {status} with no response.", status: status);
            }

            throw await ReadErrorAsync(session, response, cancellationToken).ConfigureAwait(false);
        }

        if (EventStreamRequest.IsEventStream(response))
        {
            return await ReadStreamAsync(session, request, response, cancellationToken).ConfigureAwait(false);
        }

        var media = response.Content.Headers.ContentType?.MediaType;
        if (media is not null && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
        {
            var (buffer, length) = await HttpBodies.ReadPooledAsync(response.Content, _options.Http.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
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

        throw TransportFailure.Protocol($"the server answered with content type '{media ?? "(none)"}', neither JSON nor an event stream.", status: status);
    }

    /// <summary>Reads an SSE reply (through the one event-stream reader) until our response or the end of the stream.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ReadStreamAsync(McpSession session, McpPendingRequest request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var reader = await EventStreamReader.OpenAsync(response, request.Cursor, _options.Streams, watchEvents: false, _timeProvider, _stallMonitor, cancellationToken).ConfigureAwait(false);
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
    private async ValueTask<TransportFailure> ReadErrorAsync(McpSession session, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var error = await HttpErrorResponse.ReadAsync(response, _timeProvider, _redactor, cancellationToken).ConfigureAwait(false);
        return ToFailure(session, error);
    }

    private static TransportFailure ToFailure(McpSession session, HttpErrorResponse error) =>
        !error.IsRedirect && McpHttpErrorBody.IsSessionLost(error.Status, session.SessionId is not null, error.JsonRpc)
            ? TransportFailure.LostSession(error.Status, $"the server no longer knows the MCP session (HTTP {error.Status}).")
            : error.ToFailure();
}
