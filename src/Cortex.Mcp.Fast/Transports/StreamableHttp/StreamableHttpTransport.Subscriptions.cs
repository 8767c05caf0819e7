using Cortex.Mcp.Fast.Transports.Http;
using System.IO.Pipelines;
using System.Net;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// Resource subscriptions (<c>resources/subscribe</c> + <c>notifications/resources/updated</c>) over the session's
/// one standalone GET stream.
/// </summary>
/// <remarks>
/// <para>One standalone GET stream per transport (that is, per session at a time), opened lazily by the first
/// subscriber, shared by all of them and closed when the last one leaves. Updates are fanned out by URI (ordinal
/// comparison) into a bounded buffer per subscriber: <see cref="SubscriberBufferCapacity"/> updates, oldest dropped
/// first, so a consumer that does not keep up loses old notices (an update notice carries only the URI, so the
/// newest one says all there is to say) and can never grow memory.</para>
/// <para>Server→client requests on the stream are answered like on POST streams; <c>notifications/tools/list_changed</c>
/// drops the cached tool list. A GET refused (405, 404 without session loss, 409, a non-SSE answer) fails every
/// subscriber with <see cref="ResourceStreamException"/> at once (no reconnect storm). A stream that drops is
/// reopened with <c>Last-Event-ID</c> after the server's <c>retry</c> delay, at most
/// <see cref="MaxReconnectionAttempts"/> times in a row (a stream that lived <see cref="s_stableStream"/> or carried an
/// event resets the count). When the session is lost, one new session is started and every subscribed URI is
/// subscribed again on it.</para>
/// <para>Known gap: when the last subscriber of a URI leaves while a new one for the same URI is subscribing,
/// the unsubscribe may reach the server after the new subscribe (then the new subscriber hears nothing until the
/// session is renewed). Subscriptions are not reference-counted on the wire.</para>
/// <para>Concurrency: <see cref="_subscribers"/> and <see cref="_standalone"/> change only under
/// <see cref="_subscriptionLock"/>; the loop's own cursor state is touched by the loop alone.</para>
/// </remarks>
internal sealed partial class StreamableHttpTransport
{
    /// <summary>Updates buffered per subscriber before the oldest are dropped.</summary>
    internal const int SubscriberBufferCapacity = 64;

    private const string SubscribeOperation = "resources/subscribe";

    /// <summary>A standalone stream that stayed open this long is healthy: its drop does not count as a failure in a row.</summary>
    private static readonly TimeSpan s_stableStream = TimeSpan.FromSeconds(10);

    private static readonly BoundedChannelOptions s_subscriberChannel = new(SubscriberBufferCapacity)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    };

    private readonly Lock _subscriptionLock = new();
    private readonly List<ResourceSubscriber> _subscribers = [];
    private StandaloneStream? _standalone;
    private int _standaloneOpens;

    /// <summary>Standalone GET streams opened so far (intended for testing: reconnections and sharing).</summary>
    internal int StandaloneOpens => Volatile.Read(ref _standaloneOpens);

    /// <summary>
    /// Subscribes to <paramref name="uri"/>: ensures the session and the standalone stream, POSTs
    /// <c>resources/subscribe</c>, then yields one update per <c>notifications/resources/updated</c> for the URI
    /// until cancelled. On the way out it POSTs <c>resources/unsubscribe</c> (best effort, when no other subscriber
    /// of this transport still wants the URI).
    /// </summary>
    public async IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string service, string uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (ValidateResourcePath(uri) is { } reason)
        {
            throw new InvalidToolNameException(service, uri, reason);
        }

        var subscriber = new ResourceSubscriber(uri);
        var opened = AddSubscriber(service, subscriber);
        var subscribed = false;
        try
        {
            try
            {
                await opened.WaitAsync(cancellationToken).ConfigureAwait(false);

                // From here the server may hold the subscription, even if the caller gives up before the reply.
                subscribed = true;
                try
                {
                    await SendSubscriptionAsync(service, uri, subscribe: true, cancellationToken).ConfigureAwait(false);
                }
                catch (ServiceCallException)
                {
                    subscribed = false; // refused or failed: nothing to undo
                    throw;
                }
            }
            catch (ClientDisposedException)
            {
                throw new ClientDisposedException(service, uri);
            }
            catch (ServiceCallException ex)
            {
                throw ForSubscriber(ex, uri);
            }

            var reader = subscriber.Updates.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (reader.TryRead(out var update))
                {
                    yield return update;
                }
            }
        }
        finally
        {
            var lastForUri = RemoveSubscriber(subscriber);
            if (subscribed && lastForUri)
            {
                await UnsubscribeBestEffortAsync(service, uri).ConfigureAwait(false);
            }
        }
    }

    private static ResourceStreamException ForSubscriber(ServiceCallException cause, string uri) =>
        new(cause.Service, uri, cause.Message, cause.FailureKind, cause) { StatusCode = cause.StatusCode, RetryAfter = cause.RetryAfter };

    /// <summary>Registers a subscriber; starts the standalone stream if none runs. Completes when the stream is open.</summary>
    private Task AddSubscriber(string service, ResourceSubscriber subscriber)
    {
        StandaloneStream? started = null;
        Task opened;
        lock (_subscriptionLock)
        {
            if (_disposed.IsCancellationRequested)
            {
                throw new ClientDisposedException(service, subscriber.Uri);
            }

            _subscribers.Add(subscriber);
            if (_standalone is null)
            {
                _standalone = started = new StandaloneStream();
            }

            opened = _standalone.Opened.Task;
        }

        if (started is not null)
        {
            _ = RunStandaloneAsync(service, started);
        }

        return opened;
    }

    /// <summary>Removes a subscriber; stops the stream when it was the last. True when no one else wants its URI.</summary>
    private bool RemoveSubscriber(ResourceSubscriber subscriber)
    {
        StandaloneStream? stop = null;
        bool lastForUri;
        lock (_subscriptionLock)
        {
            _subscribers.Remove(subscriber);
            lastForUri = !_subscribers.Exists(s => string.Equals(s.Uri, subscriber.Uri, StringComparison.Ordinal));
            if (_subscribers.Count == 0 && _standalone is { } running)
            {
                stop = running;
                _standalone = null;
            }
        }

        stop?.Stop.Cancel();
        return lastForUri;
    }

    /// <summary>Hands <paramref name="uri"/>'s update to every subscriber of it (never blocks: bounded, drop-oldest).</summary>
    private void Publish(string uri)
    {
        McpResourceUpdate? update = null;
        lock (_subscriptionLock)
        {
            foreach (var subscriber in _subscribers)
            {
                if (string.Equals(subscriber.Uri, uri, StringComparison.Ordinal))
                {
                    subscriber.Updates.Writer.TryWrite(update ??= new McpResourceUpdate(uri));
                }
            }
        }
    }

    /// <summary>Ends <paramref name="state"/> for good: every current subscriber gets its own typed error.</summary>
    private void FailStandalone(StandaloneStream state, ServiceCallException cause)
    {
        ResourceSubscriber[] failed = [];
        lock (_subscriptionLock)
        {
            if (ReferenceEquals(_standalone, state))
            {
                _standalone = null;
                failed = [.. _subscribers];
                _subscribers.Clear();
            }
        }

        if (state.Opened.TrySetException(cause))
        {
            _ = state.Opened.Task.Exception; // observed: no UnobservedTaskException when nobody waits any more
        }

        foreach (var subscriber in failed)
        {
            subscriber.Updates.Writer.TryComplete(cause is ClientDisposedException
                ? new ClientDisposedException(cause.Service, subscriber.Uri)
                : ForSubscriber(cause, subscriber.Uri));
        }
    }

    /// <summary>The loop of one standalone stream: open, read, reopen; ends when stopped, disposed or refused.</summary>
    private async Task RunStandaloneAsync(string service, StandaloneStream state)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(state.Stop.Token, _disposed.Token);
        var token = linked.Token;
        McpSession? subscribedOn = null;
        var failures = 0;
        try
        {
            while (true)
            {
                var session = await GetSessionAsync(service, SubscribeOperation, token).ConfigureAwait(false);
                if (subscribedOn is not null && !ReferenceEquals(subscribedOn, session))
                {
                    state.LastEventId = null; // a cursor of the old session means nothing to the new one
                }

                using var request = new HttpRequestMessage(HttpMethod.Get, _postUri);
                request.Headers.TryAddWithoutValidation("Accept", "text/event-stream");
                AddSessionHeaders(request, session);
                if (state.LastEventId is { } lastEventId && session.CanResume)
                {
                    request.Headers.TryAddWithoutValidation(McpHeaders.LastEventId, lastEventId);
                }

                await AddAuthAsync(request, token).ConfigureAwait(false);
                HttpResponseMessage response;
                try
                {
                    response = await _http.Invoker.SendAsync(request, token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException && !token.IsCancellationRequested)
                {
                    if (++failures > MaxReconnectionAttempts)
                    {
                        FailStandalone(state, new ResourceStreamException(service, SubscribeOperation, $"The standalone stream of service '{service}' could not be opened after {MaxReconnectionAttempts} attempts.", FailureKind.NetworkError, ex));
                        return;
                    }

                    await DelayReconnectAsync(state, token).ConfigureAwait(false);
                    continue;
                }

                using (response)
                {
                    var status = (int)response.StatusCode;
                    var media = response.Content.Headers.ContentType?.MediaType;
                    if (response.StatusCode != HttpStatusCode.OK || media is null || !media.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
                    {
                        var error = status == 200
                            ? new ServiceProtocolException(service, SubscribeOperation, $"Service '{service}' answered the standalone GET with content type '{media ?? "(none)"}', not an event stream.")
                            : await CreateHttpErrorAsync(session, service, SubscribeOperation, response, token).ConfigureAwait(false);
                        if (error is McpSessionLostException && ++failures <= MaxReconnectionAttempts)
                        {
                            Invalidate(session); // the next turn starts one new session and subscribes again on it
                            continue;
                        }

                        // Spec (2025-11-25 transports): a server that offers no standalone stream answers 405;
                        // 404/409 and anything else are final too. No reconnect storm: every subscriber learns now.
                        FailStandalone(state, new ResourceStreamException(service, SubscribeOperation, $"Service '{service}' refused the standalone GET stream that carries resource updates (HTTP {status}): {error.Message}", error.FailureKind, error)
                        {
                            StatusCode = error.StatusCode,
                            RetryAfter = error.RetryAfter,
                        });
                        return;
                    }

                    Interlocked.Increment(ref _standaloneOpens);
                    state.Opened.TrySetResult();
                    if (subscribedOn is null)
                    {
                        subscribedOn = session; // the first subscribers POST their own subscribe once the stream is open
                    }
                    else if (!ReferenceEquals(subscribedOn, session))
                    {
                        await ResubscribeAllAsync(service, token).ConfigureAwait(false);
                        subscribedOn = session;
                    }

                    var openedAt = _timeProvider.GetTimestamp();
                    var sawEvent = await ReadStandaloneAsync(service, session, state, response.Content, token).ConfigureAwait(false);
                    if (sawEvent || _timeProvider.GetElapsedTime(openedAt) >= s_stableStream)
                    {
                        failures = 0;
                    }
                }

                if (++failures > MaxReconnectionAttempts)
                {
                    FailStandalone(state, new ResourceStreamException(service, SubscribeOperation, $"The standalone stream of service '{service}' dropped {MaxReconnectionAttempts} times in a row.", FailureKind.NetworkError));
                    return;
                }

                await DelayReconnectAsync(state, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            if (_disposed.IsCancellationRequested)
            {
                FailStandalone(state, new ClientDisposedException(service, SubscribeOperation));
            }
        }
        catch (ObjectDisposedException)
        {
            FailStandalone(state, new ClientDisposedException(service, SubscribeOperation));
        }
        catch (ServiceCallException ex)
        {
            FailStandalone(state, ex);
        }
        catch (Exception ex)
        {
            FailStandalone(state, new ResourceStreamException(service, SubscribeOperation, $"The standalone stream of service '{service}' failed.", FailureKind.Other, ex));
        }
    }

    private async ValueTask DelayReconnectAsync(StandaloneStream state, CancellationToken cancellationToken)
    {
        var delay = state.ReconnectionInterval ?? s_defaultReconnectionInterval;
        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > s_maxReconnectionInterval ? s_maxReconnectionInterval : delay;
        if (delay > TimeSpan.Zero)
        {
            // Spec (2025-11-25 transports): the client MUST wait the retry delay before reconnecting.
            await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>After a new session: subscribe every wanted URI again (each once; failures end the stream).</summary>
    private async ValueTask ResubscribeAllAsync(string service, CancellationToken cancellationToken)
    {
        string[] uris;
        lock (_subscriptionLock)
        {
            uris = [.. _subscribers.Select(s => s.Uri).Distinct(StringComparer.Ordinal)];
        }

        foreach (var uri in uris)
        {
            await SendSubscriptionAsync(service, uri, subscribe: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads the standalone stream until it ends; true when it carried at least one event.</summary>
    private async ValueTask<bool> ReadStandaloneAsync(string service, McpSession session, StandaloneStream state, HttpContent content, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var pipe = PipeReader.Create(stream, s_pipeOptions);
        var events = new SseEventReader(pipe, SseParserOptions.Default);
        var sawEvent = false;
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
                    throw new ServiceProtocolException(service, SubscribeOperation, $"Service '{service}' broke a stream limit: {ex.Message}", ex);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                {
                    return sawEvent; // dropped: the loop reconnects
                }

                if (!events.LastEventId.IsEmpty)
                {
                    state.LastEventId = System.Text.Encoding.UTF8.GetString(events.LastEventId);
                }

                if (!more)
                {
                    return sawEvent;
                }

                sawEvent = true;
                var current = events.Current;
                if (current.IsDataEmpty)
                {
                    continue; // priming event or keep-alive
                }

                List<ServerRequest>? requests = null;
                if (DispatchStandalone(current.Data, ref requests))
                {
                    session.Tools = null;
                }

                await AnswerAllAsync(session, requests, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (events.ReconnectionInterval is { } retry)
            {
                state.ReconnectionInterval = retry;
            }

            events.Dispose();
            await pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Routes one standalone-stream payload: updates are published, server requests queued; true when the tool
    /// list changed. Anything else (responses, unknown notifications, malformed JSON) is ignored here: this stream
    /// carries no replies of ours, and one bad event must not end every subscription.
    /// </summary>
    private bool DispatchStandalone(ReadOnlySpan<byte> payload, ref List<ServerRequest>? requests)
    {
        var message = JsonRpcMessageReader.Read(payload);
        if (message.Kind != JsonRpcMessageKind.Batch)
        {
            return DispatchStandaloneOne(message, ref requests);
        }

        var toolsChanged = false;
        foreach (var element in JsonRpcMessageReader.EnumerateBatch(payload))
        {
            toolsChanged |= DispatchStandaloneOne(element, ref requests);
        }

        return toolsChanged;
    }

    private bool DispatchStandaloneOne(JsonRpcMessage message, ref List<ServerRequest>? requests)
    {
        switch (message.Kind)
        {
            case JsonRpcMessageKind.Notification when message.Method == McpMethod.ResourcesUpdated:
                if (McpPayloadReader.TryReadResourceUpdated(message.Params, out var uri) && uri is not null)
                {
                    Publish(uri);
                }

                return false;
            case JsonRpcMessageKind.Notification:
                return message.Method == McpMethod.ToolsListChanged;
            case JsonRpcMessageKind.Request:
                (requests ??= []).Add(new ServerRequest(message.Method, message.GetMethodName() ?? string.Empty, message.RawId.ToArray(), message.Params.ToArray()));
                return false;
            default:
                return false;
        }
    }

    /// <summary>POSTs <c>resources/subscribe</c> or <c>resources/unsubscribe</c> and waits for its (empty) result.</summary>
    private async ValueTask SendSubscriptionAsync(string service, string uri, bool subscribe, CancellationToken cancellationToken)
    {
        var method = subscribe ? SubscribeOperation : "resources/unsubscribe";
        var exchange = await RunAsync(
            service,
            uri,
            McpReplyKind.Plain,
            null,
            method,
            null,
            uri,
            subscribe
                ? static (writer, output, id, u) => writer.WriteResourcesSubscribe(output, id, u)
                : static (writer, output, id, u) => writer.WriteResourcesUnsubscribe(output, id, u),
            cancellationToken).ConfigureAwait(false);
        using (exchange)
        {
            if (exchange.Error is { } error)
            {
                throw error;
            }
        }
    }

    /// <summary>Unsubscribes with its own short deadline (the caller has already gone); failures are ignored.</summary>
    private async ValueTask UnsubscribeBestEffortAsync(string service, string uri)
    {
        if (_disposed.IsCancellationRequested)
        {
            return; // the session is being ended anyway
        }

        try
        {
            using var timeout = new CancellationTokenSource(s_noticeTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _disposed.Token);
            await SendSubscriptionAsync(service, uri, subscribe: false, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ServiceCallException or OperationCanceledException or ObjectDisposedException)
        {
            // Best effort: the server drops subscriptions with the session.
        }
    }

    /// <summary>One subscriber: its URI and its bounded, drop-oldest buffer of updates.</summary>
    private sealed class ResourceSubscriber(string uri)
    {
        public string Uri { get; } = uri;

        public Channel<McpResourceUpdate> Updates { get; } = Channel.CreateBounded<McpResourceUpdate>(s_subscriberChannel);
    }

    /// <summary>One run of the standalone stream loop.</summary>
    private sealed class StandaloneStream
    {
        /// <summary>Cancelled when the last subscriber leaves (never disposed: it has no timer).</summary>
        public CancellationTokenSource Stop { get; } = new();

        /// <summary>Completes when the GET is first answered with an event stream; faults when it is refused.</summary>
        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The stream cursor for <c>Last-Event-ID</c> (loop only).</summary>
        public string? LastEventId { get; set; }

        /// <summary>The server's last <c>retry</c> (loop only).</summary>
        public TimeSpan? ReconnectionInterval { get; set; }
    }
}
