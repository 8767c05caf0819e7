using Cortex.Mcp.Fast.Transports.Http;
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>Writes a request body for id <c>id</c> from <c>state</c>.</summary>
internal delegate void RequestBodyWriter<TState>(JsonRpcRequestWriter writer, IBufferWriter<byte> output, long id, TState state);

/// <summary>
/// One request: its POST, reading the reply (JSON body or SSE stream), the cancellation notice, resumption of a
/// stream that ends early, and the typed errors of HTTP failures.
/// </summary>
internal sealed partial class StreamableHttpTransport
{
    /// <summary>Accept header of every POST. Spec (2025-11-25 transports): the client MUST list both.</summary>
    private const string AcceptBoth = "application/json, text/event-stream";

    /// <summary>Reconnection attempts for one broken stream (the C# SDK's MaxReconnectionAttempts).</summary>
    private const int MaxReconnectionAttempts = 5;

    /// <summary>Largest error body read for its message.</summary>
    private const int MaxErrorBody = 64 * 1024;

    /// <summary>The wait before a resumption GET when the server sent no <c>retry</c> (the C# SDK's default).</summary>
    private static readonly TimeSpan s_defaultReconnectionInterval = TimeSpan.FromSeconds(1);

    /// <summary>Cap on a server's <c>retry</c>: a hostile value cannot park a call past reason (the deadline still applies).</summary>
    private static readonly TimeSpan s_maxReconnectionInterval = TimeSpan.FromSeconds(30);

    /// <summary>How long a cancellation notice may take; it is sent after the caller gave up, so it has its own clock.</summary>
    private static readonly TimeSpan s_noticeTimeout = TimeSpan.FromSeconds(5);

    private static readonly StreamPipeReaderOptions s_pipeOptions = new(leaveOpen: false);

    /// <summary>
    /// Runs one request on the current session; if the server says the session is gone (404, or 400 "No valid
    /// session ID"), starts one new session and sends the request once more: such an answer proves the request was
    /// not executed, so this is safe even for non-idempotent tools. The caller disposes the returned exchange.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<McpExchange> RunAsync<TState>(
        string service,
        string tool,
        McpReplyKind kind,
        IProgress<McpProgress>? progress,
        string method,
        string? mcpName,
        TState state,
        RequestBodyWriter<TState> write,
        CancellationToken cancellationToken)
    {
        for (var renewed = false; ; renewed = true)
        {
            var session = await GetSessionAsync(service, tool, cancellationToken).ConfigureAwait(false);
            var id = session.Ids.Next();
            var exchange = new McpExchange(service, tool, id, kind, progress);
            var body = new PooledBufferWriter();
            try
            {
                var writer = session.Writers.Get();
                try
                {
                    write(writer, body, id, state);
                }
                catch (ArgumentException ex)
                {
                    throw new ServiceCallException(service, tool, ex.Message, FailureKind.Other, ex) { RequestNotSent = true };
                }
                finally
                {
                    session.Writers.Return(writer);
                }

                await ExchangeAsync(session, exchange, body, method, mcpName, cancellationToken).ConfigureAwait(false);
                return exchange;
            }
            catch (McpSessionLostException) when (!renewed)
            {
                exchange.Dispose();
                Invalidate(session);
            }
            catch (McpSessionLostException)
            {
                exchange.Dispose();
                Invalidate(session);
                throw;
            }
            catch
            {
                exchange.Dispose();
                throw;
            }
            finally
            {
                body.Dispose();
            }
        }
    }

    /// <summary>POSTs one request and reads replies until its response is routed to <paramref name="exchange"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ExchangeAsync(McpSession session, McpExchange exchange, PooledBufferWriter body, string method, string? mcpName, CancellationToken cancellationToken)
    {
        var refreshed = false;
        while (true)
        {
            var sentToken = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
            var responseStarted = false;
            HttpResponseMessage? response = null;
            using var request = CreatePost(session, body.WrittenMemory, method, mcpName, sentToken);
            try
            {
                response = await _http.Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
                responseStarted = true;
                if (response.StatusCode == HttpStatusCode.Unauthorized && sentToken is not null && !refreshed)
                {
                    // One refresh and one retry: a 401 means the request was refused, not executed.
                    refreshed = true;
                    response.Dispose();
                    await _auth!.RefreshAsync(sentToken, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                if (exchange.CaptureSessionId && response.Headers.TryGetValues(McpHeaders.SessionId, out var values))
                {
                    exchange.SessionIdHeader = values.FirstOrDefault();
                }

                await ReadReplyAsync(session, exchange, response, cancellationToken).ConfigureAwait(false);
                if (!exchange.Completed)
                {
                    response.Dispose();
                    response = null;
                    await ResumeAsync(session, exchange, cancellationToken).ConfigureAwait(false);
                }

                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (!session.IsHandshake)
                {
                    // Spec (2025-11-25 cancellation): send notifications/cancelled; then the stream is aborted
                    // (disposing the response below), because servers keep it open after the notice (MCP-WIRE §2.5).
                    _ = SendCancelledAsync(session, exchange.Id);
                }

                throw;
            }
            catch (Exception ex) when (ex is not ServiceCallException && HttpFailureMapper.Map(ex, _http.ConnectTimeout, responseStarted, cancellationToken) is { } typed)
            {
                throw typed;
            }
            finally
            {
                response?.Dispose();
            }
        }
    }

    private HttpRequestMessage CreatePost(McpSession session, ReadOnlyMemory<byte> body, string method, string? mcpName, BearerHeader? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _postUri) { Content = new ReadOnlyMemoryContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        request.Headers.TryAddWithoutValidation("Accept", AcceptBoth);
        AddSessionHeaders(request, session);
        if (session.Stateless)
        {
            // Spec (2026-07-28 transports): Mcp-Method on every POST; Mcp-Name for tools/call, resources/read, prompts/get.
            request.Headers.TryAddWithoutValidation(McpHeaders.Method, method);
            if (mcpName is not null)
            {
                request.Headers.TryAddWithoutValidation(McpHeaders.Name, McpHeaderValueEncoding.Encode(mcpName));
            }
        }

        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", token.Header);
        }

        return request;
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

    private async ValueTask AddAuthAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_auth is not null)
        {
            var token = await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
            request.Headers.TryAddWithoutValidation("Authorization", token.Header);
        }
    }

    /// <summary>Reads a POST reply: 200 with JSON or SSE; anything else is a typed error.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadReplyAsync(McpSession session, McpExchange exchange, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        if (status != 200)
        {
            if (status is 202 or 204)
            {
                throw new ServiceProtocolException(exchange.Service, exchange.Tool, $"Service '{exchange.Service}' answered the request '{exchange.Tool}' with HTTP {status} and no response.");
            }

            throw await CreateHttpErrorAsync(session, exchange.Service, exchange.Tool, response, cancellationToken).ConfigureAwait(false);
        }

        var media = response.Content.Headers.ContentType?.MediaType;
        if (media is not null && media.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            await ReadStreamAsync(session, exchange, response.Content, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (media is not null && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase)))
        {
            var (buffer, length) = await HttpBodies.ReadPooledAsync(response.Content, _options.Http.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
            List<ServerRequest>? requests = null;
            try
            {
                Apply(session, ResponseRouter.Route(exchange, buffer.AsSpan(0, length), status, ref requests));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            await AnswerAllAsync(session, requests, cancellationToken).ConfigureAwait(false);
            if (!exchange.Completed)
            {
                throw new ServiceProtocolException(exchange.Service, exchange.Tool, $"Service '{exchange.Service}' sent a JSON reply without the response to '{exchange.Tool}'.");
            }

            return;
        }

        throw new ServiceProtocolException(exchange.Service, exchange.Tool, $"Service '{exchange.Service}' answered with content type '{media ?? "(none)"}', neither JSON nor an event stream.");
    }

    /// <summary>
    /// Reads an SSE reply until our response arrives or the stream ends. Priming events (empty data) are skipped;
    /// every event id is kept for resumption. A stream that breaks after an event id returns normally (the caller
    /// resumes); one that breaks before any id is a network error.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadStreamAsync(McpSession session, McpExchange exchange, HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var pipe = PipeReader.Create(stream, s_pipeOptions);
        using var events = new SseEventReader(pipe, SseParserOptions.Default);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await events.MoveNextAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (SseLimitExceededException ex)
                {
                    throw new ServiceProtocolException(exchange.Service, exchange.Tool, $"Service '{exchange.Service}' broke a stream limit: {ex.Message}", ex);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested
                    && session.CanResume && !exchange.LastEventId.IsEmpty)
                {
                    return; // broken after an event id: resumable
                }

                if (!events.LastEventId.IsEmpty)
                {
                    exchange.SetLastEventId(events.LastEventId);
                }

                if (!more)
                {
                    return;
                }

                var current = events.Current;
                if (current.IsDataEmpty)
                {
                    continue; // priming event or keep-alive: never handed to the JSON reader
                }

                List<ServerRequest>? requests = null;
                Apply(session, ResponseRouter.Route(exchange, current.Data, 200, ref requests));
                if (requests is not null)
                {
                    await AnswerAllAsync(session, requests, cancellationToken).ConfigureAwait(false);
                }

                if (exchange.Completed)
                {
                    return;
                }
            }
        }
        finally
        {
            if (events.ReconnectionInterval is { } retry)
            {
                exchange.ReconnectionInterval = retry;
            }

            events.Dispose();
            await pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    private static void Apply(McpSession session, RouteSignals signals)
    {
        if ((signals & RouteSignals.ToolsListChanged) != 0)
        {
            session.Tools = null;
        }
    }

    /// <summary>
    /// Resumes a stream that ended before our response: GET with <c>Last-Event-ID</c> after the server's
    /// <c>retry</c> delay, at most <see cref="MaxReconnectionAttempts"/> times. A GET refused (405, 404, 409, …) ends
    /// the call with a typed error at once: no reconnect storm.
    /// </summary>
    private async ValueTask ResumeAsync(McpSession session, McpExchange exchange, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxReconnectionAttempts; attempt++)
        {
            if (!session.CanResume || exchange.LastEventId.IsEmpty)
            {
                throw new ServiceCallException(exchange.Service, exchange.Tool, $"Service '{exchange.Service}' ended the reply stream of '{exchange.Tool}' before its response, and the stream cannot be resumed.", FailureKind.NetworkError);
            }

            var delay = exchange.ReconnectionInterval ?? s_defaultReconnectionInterval;
            delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > s_maxReconnectionInterval ? s_maxReconnectionInterval : delay;
            if (delay > TimeSpan.Zero)
            {
                // Spec (2025-11-25 transports): the client MUST wait the retry delay before reconnecting.
                await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, _postUri);
            request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
            AddSessionHeaders(request, session);
            request.Headers.TryAddWithoutValidation(McpHeaders.LastEventId, System.Text.Encoding.UTF8.GetString(exchange.LastEventId));
            await AddAuthAsync(request, cancellationToken).ConfigureAwait(false);
            HttpResponseMessage response;
            try
            {
                response = await _http.Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                continue; // the next attempt waits the delay again
            }

            using (response)
            {
                var media = response.Content.Headers.ContentType?.MediaType;
                if (response.StatusCode != HttpStatusCode.OK || media is null || !media.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
                {
                    var error = await CreateHttpErrorAsync(session, exchange.Service, exchange.Tool, response, cancellationToken).ConfigureAwait(false);
                    if (error is McpSessionLostException)
                    {
                        Invalidate(session);
                    }

                    // The POST may have run: never reported as "not executed", so only idempotent calls are retried.
                    throw new ServiceCallException(exchange.Service, exchange.Tool, $"The reply stream of '{exchange.Tool}' broke and resuming it failed: {error.Message}", FailureKind.NetworkError, error)
                    {
                        StatusCode = error.StatusCode,
                    };
                }

                await ReadStreamAsync(session, exchange, response.Content, cancellationToken).ConfigureAwait(false);
                if (exchange.Completed)
                {
                    return;
                }
            }
        }

        throw new ServiceCallException(exchange.Service, exchange.Tool, $"The reply stream of '{exchange.Tool}' from service '{exchange.Service}' could not be resumed after {MaxReconnectionAttempts} attempts.", FailureKind.NetworkError);
    }

    /// <summary>POSTs a notification (202 expected; a 200 with any body is tolerated).</summary>
    private async ValueTask PostNotificationAsync(string service, McpSession session, PooledBufferWriter body, string method, CancellationToken cancellationToken)
    {
        var token = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
        using var request = CreatePost(session, body.WrittenMemory, method, null, token);
        var responseStarted = false;
        try
        {
            using var response = await _http.Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
            responseStarted = true;
            if (!response.IsSuccessStatusCode)
            {
                throw await CreateHttpErrorAsync(session, service, method, response, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not ServiceCallException && HttpFailureMapper.Map(ex, _http.ConnectTimeout, responseStarted, cancellationToken) is { } typed)
        {
            throw typed;
        }
    }

    /// <summary>Sends <c>notifications/cancelled</c> for a request the caller gave up on (best effort, own deadline).</summary>
    private async Task SendCancelledAsync(McpSession session, long requestId)
    {
        try
        {
            using var timeout = new CancellationTokenSource(s_noticeTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _disposed.Token);
            using var body = new PooledBufferWriter(128);
            var writer = session.Writers.Get();
            writer.WriteCancelledNotification(body, requestId, "The caller canceled the request.");
            session.Writers.Return(writer);
            await PostNotificationAsync(string.Empty, session, body, "notifications/cancelled", linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ServiceCallException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort: the stream is aborted either way.
        }
    }

    /// <summary>
    /// The typed error of a non-success response. A 404 (or everything's 400 "No valid session ID") to a request
    /// that carried a session id is <see cref="McpSessionLostException"/>.
    /// </summary>
    private async ValueTask<ServiceCallException> CreateHttpErrorAsync(McpSession session, string service, string tool, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var retryAfter = RetryAfterHeader.Read(response.Headers, _timeProvider);
        if (status is >= 300 and < 400)
        {
            return new ServiceCallException(service, tool, $"Service '{service}' answered {status} (redirect to another location); redirects are not followed.", FailureKind.HttpStatus) { StatusCode = status };
        }

        HttpErrorBody body = default;
        string? text = null;
        try
        {
            var (buffer, length) = await HttpBodies.ReadPooledAsync(response.Content, MaxErrorBody, cancellationToken).ConfigureAwait(false);
            try
            {
                body = McpHttpErrorBody.Parse(buffer.AsSpan(0, length), response.Content.Headers.ContentType?.MediaType);
                if (!body.HasJsonRpcError && length > 0)
                {
                    text = System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Min(length, 256));
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or ServiceCallException or Errors.TransportFailure)
        {
            // The status alone still tells what happened.
        }

        var detail = body.HasJsonRpcError ? $"JSON-RPC error {body.Code}: {Sanitize(body.Message)}" : Sanitize(text) ?? "(no JSON-RPC error body)";
        if (McpHttpErrorBody.IsSessionLost(status, session.SessionId is not null, body))
        {
            return new McpSessionLostException(service, tool, $"Service '{service}' no longer knows the MCP session (HTTP {status}).") { StatusCode = status };
        }

        return new ServiceCallException(service, tool, $"Service '{service}' answered '{tool}' with HTTP {status}: {detail}", FailureKind.HttpStatus)
        {
            StatusCode = status,
            RetryAfter = retryAfter,
        };
    }

    private static string? Sanitize(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var chars = text.Trim().ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]))
            {
                chars[i] = ' ';
            }
        }

        return new string(chars);
    }
}

/// <summary>
/// The server no longer knows the session (404, or 400 "No valid session ID"): the request was not executed.
/// The transport starts one new session and retries once; if this escapes, the retry met the same answer.
/// </summary>
internal sealed class McpSessionLostException(string service, string tool, string message)
    : ServiceCallException(service, tool, message, FailureKind.HttpStatus)
{
}
