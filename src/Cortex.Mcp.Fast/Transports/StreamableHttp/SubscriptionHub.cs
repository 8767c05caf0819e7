using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Tasks;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>Sends <c>resources/subscribe</c> (true) or <c>resources/unsubscribe</c> (false) for a URI and waits for its result.</summary>
internal delegate ValueTask SubscriptionSender(string uri, bool subscribe, CancellationToken cancellationToken);

/// <summary>
/// The session's standalone GET stream and its subscribers. The stream carries what the server sends outside any
/// request: <c>notifications/resources/updated</c> (fanned out to subscribers), server→client requests (answered),
/// <c>tools/list_changed</c>. It is open while there are resource subscribers, and for the whole life of the
/// transport when the client declares a capability whose requests arrive there (a server-request handler): servers
/// send sampling, elicitation and roots requests on it and drop them when none is open.
/// </summary>
/// <remarks>
/// <para>Updates are fanned out by URI (ordinal) into a bounded buffer per subscriber:
/// <see cref="SubscriberBufferCapacity"/> updates, oldest dropped first (an update only says "read it again", so the
/// newest says all there is to say), so a slow consumer can never grow memory.</para>
/// <para>The stream is read by the shared <see cref="ResumableEventStream"/>: a drop is reopened with
/// <c>Last-Event-ID</c> after the server's <c>retry</c> (repeated failures back off; a connection that carried no
/// message counts as a failure), at most <see cref="StreamOptions.MaxReconnectAttempts"/> failures in a row; a GET
/// refused (405, 409, a non-SSE answer) ends it at once. When the session is lost, one new session is started and
/// every subscribed URI is subscribed again on it.</para>
/// <para>Known gap: when the last subscriber of a URI leaves while a new one for the same URI is subscribing, the
/// unsubscribe may reach the server after the new subscribe. Subscriptions are not reference-counted on the wire.</para>
/// <para>Concurrency: <see cref="_subscribers"/>, <see cref="_run"/> and <see cref="_keepOpen"/> change only under
/// <see cref="_lock"/>; a run's own cursor and session bookkeeping are touched by its loop alone.</para>
/// </remarks>
internal sealed class SubscriptionHub
{
    /// <summary>Updates buffered per subscriber before the oldest are dropped.</summary>
    internal const int SubscriberBufferCapacity = 64;

    private static readonly BoundedChannelOptions s_subscriberChannel = new(SubscriberBufferCapacity)
    {
        FullMode = BoundedChannelFullMode.DropOldest,
        SingleReader = true,
        SingleWriter = false,
        AllowSynchronousContinuations = false,
    };

    private readonly Lock _lock = new();
    private readonly List<ResourceSubscriber> _subscribers = [];
    private readonly McpServiceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationToken _disposed;
    private readonly Action _onReconnect;
    private readonly StallMonitor _stallMonitor;
    private McpSessionManager? _sessions;
    private JsonRpcExchange? _exchange;
    private McpMessageRouter? _router;
    private SubscriptionSender? _send;
    private StandaloneRun? _run;
    private bool _keepOpen;
    private int _opens;

    public SubscriptionHub(McpServiceOptions options, TimeProvider timeProvider, StallMonitor stallMonitor, Action onReconnect, CancellationToken disposed)
    {
        _stallMonitor = stallMonitor;
        _options = options;
        _timeProvider = timeProvider;
        _disposed = disposed;
        _onReconnect = onReconnect;
    }

    /// <summary>Standalone GET streams opened so far (intended for testing: reconnections and sharing).</summary>
    public int StandaloneOpens => Volatile.Read(ref _opens);

    /// <summary>Connects the parts the hub uses (they are built after it: the router publishes into the hub).</summary>
    public void Attach(McpSessionManager sessions, JsonRpcExchange exchange, McpMessageRouter router, SubscriptionSender send)
    {
        _sessions = sessions;
        _exchange = exchange;
        _router = router;
        _send = send;
    }

    /// <summary>Keeps the standalone stream open for good (a server-request handler is configured); starts it if needed.</summary>
    public void KeepOpen()
    {
        StandaloneRun? started = null;
        lock (_lock)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _keepOpen = true;
            if (_run is null)
            {
                _run = started = new StandaloneRun(this);
            }
        }

        started?.Start();
    }

    /// <summary>
    /// Subscribes to <paramref name="uri"/>: ensures the standalone stream, POSTs <c>resources/subscribe</c>, then
    /// yields one update per notice for the URI until cancelled. On the way out it POSTs <c>resources/unsubscribe</c>
    /// (best effort, when no other subscriber of this transport still wants the URI).
    /// </summary>
    public async IAsyncEnumerable<McpResourceUpdate> SubscribeAsync(string uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var subscriber = new ResourceSubscriber(uri);
        var opened = AddSubscriber(subscriber);
        var subscribed = false;
        try
        {
            await opened.WaitAsync(cancellationToken).ConfigureAwait(false);

            // From here the server may hold the subscription, even if the caller gives up before the reply.
            subscribed = true;
            try
            {
                await _send!(uri, true, cancellationToken).ConfigureAwait(false);
            }
            catch (TransportFailure)
            {
                subscribed = false; // refused or failed: nothing to undo
                throw;
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
            if (RemoveSubscriber(subscriber) && subscribed)
            {
                await UnsubscribeBestEffortAsync(uri).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Hands <paramref name="uri"/>'s update to every subscriber of it (never blocks: bounded, drop-oldest).</summary>
    public void Publish(string uri)
    {
        McpResourceUpdate? update = null;
        lock (_lock)
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

    /// <summary>Registers a subscriber; starts the standalone stream if none runs. Completes when the stream is open.</summary>
    private Task AddSubscriber(ResourceSubscriber subscriber)
    {
        StandaloneRun? started = null;
        Task opened;
        lock (_lock)
        {
            if (_disposed.IsCancellationRequested)
            {
                throw TransportFailure.Disposed();
            }

            _subscribers.Add(subscriber);
            if (_run is null)
            {
                _run = started = new StandaloneRun(this);
            }

            opened = _run.Opened.Task;
        }

        started?.Start();
        return opened;
    }

    /// <summary>Removes a subscriber; stops the stream when it was the last and nothing else needs it. True when no one else wants its URI.</summary>
    private bool RemoveSubscriber(ResourceSubscriber subscriber)
    {
        StandaloneRun? stop = null;
        bool lastForUri;
        lock (_lock)
        {
            _subscribers.Remove(subscriber);
            lastForUri = !_subscribers.Exists(s => string.Equals(s.Uri, subscriber.Uri, StringComparison.Ordinal));
            if (_subscribers.Count == 0 && !_keepOpen && _run is { } running)
            {
                stop = running;
                _run = null;
            }
        }

        stop?.Stop.Cancel();
        return lastForUri;
    }

    /// <summary>Ends <paramref name="run"/> for good: every current subscriber gets the failure.</summary>
    private void Fail(StandaloneRun run, TransportFailure failure)
    {
        ResourceSubscriber[] failed = [];
        lock (_lock)
        {
            if (ReferenceEquals(_run, run))
            {
                _run = null;
                failed = [.. _subscribers];
                _subscribers.Clear();
            }
        }

        if (run.Opened.TrySetException(failure))
        {
            _ = run.Opened.Task.Exception; // observed: no UnobservedTaskException when nobody waits any more
        }

        foreach (var subscriber in failed)
        {
            subscriber.Updates.Writer.TryComplete(failure);
        }
    }

    private async ValueTask ResubscribeAllAsync(CancellationToken cancellationToken)
    {
        string[] uris;
        lock (_lock)
        {
            uris = [.. _subscribers.Select(s => s.Uri).Distinct(StringComparer.Ordinal)];
        }

        foreach (var uri in uris)
        {
            await _send!(uri, true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Unsubscribes with its own short deadline (the caller has already gone); failures are ignored.</summary>
    private async ValueTask UnsubscribeBestEffortAsync(string uri)
    {
        if (_disposed.IsCancellationRequested)
        {
            return; // the session is being ended anyway
        }

        try
        {
            using var timeout = new CancellationTokenSource(JsonRpcExchange.NoticeTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _disposed);
            await _send!(uri, false, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportFailure or OperationCanceledException or ObjectDisposedException)
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

    /// <summary>One run of the standalone stream: its loop, and the source its connections come from.</summary>
    private sealed class StandaloneRun(SubscriptionHub hub) : IEventStreamSource
    {
        private McpSession? _subscribedOn;

        /// <summary>Cancelled when the last subscriber leaves (never disposed: it has no timer).</summary>
        public CancellationTokenSource Stop { get; } = new();

        /// <summary>Completes when the GET is first answered with an event stream; faults when it is refused.</summary>
        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool ReopenAfterEnd => true;

        public bool ReopenWithoutEventId => true;

        public void Start() => _ = DetachedFlow.Start(() => Task.Run(RunAsync)); // shared by every subscriber, owned by none

        public IHttpEngine Engine => hub._exchange!.Engine;

        public async ValueTask<HttpEngineResponse?> OpenAsync(StreamCursor cursor, CancellationToken cancellationToken)
        {
            var session = await hub._sessions!.GetAsync(cancellationToken).ConfigureAwait(false);
            if (_subscribedOn is not null && !ReferenceEquals(_subscribedOn, session))
            {
                cursor.Reset(); // a cursor of the old session means nothing to the new one
            }

            var response = await hub._exchange!.OpenStandaloneAsync(session, cursor, error => Refused(session, error), cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                return null;
            }

            Interlocked.Increment(ref hub._opens);
            Opened.TrySetResult();
            if (_subscribedOn is null)
            {
                _subscribedOn = session; // the first subscribers POST their own subscribe once the stream is open
            }
            else if (!ReferenceEquals(_subscribedOn, session))
            {
                await hub.ResubscribeAllAsync(cancellationToken).ConfigureAwait(false);
                _subscribedOn = session;
            }

            return response;
        }

        private TransportFailure? Refused(McpSession session, HttpErrorResponse error)
        {
            if (!error.IsRedirect && McpHttpErrorBody.IsSessionLost(error.Status, session.SessionId is not null, error.JsonRpc))
            {
                hub._sessions!.Invalidate(session); // the next connection starts one new session and subscribes again on it
                return null;
            }

            // Spec (2025-11-25 transports): a server that offers no standalone stream answers 405; 404/409 and
            // anything else are final too. No reconnect storm: every subscriber learns now.
            return error.ToFailure().WithDetail($"the server refused the standalone GET stream ({error.Detail}).");
        }

        private async Task RunAsync()
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(Stop.Token, hub._disposed);
            var token = linked.Token;
            try
            {
                var stream = new ResumableEventStream(this, hub._options.Streams, watchEvents: false, hub._timeProvider, hub._onReconnect, hub._stallMonitor);
                await using (stream.ConfigureAwait(false))
                {
                    while (await stream.MoveNextAsync(token).ConfigureAwait(false))
                    {
                        var session = _subscribedOn!;
                        List<ServerRequest>? requests = null;
                        hub._router!.Route(stream.Data, session, waiting: null, 200, ref requests);
                        await hub._exchange!.Responder.AnswerAllAsync(session, requests, token).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                if (hub._disposed.IsCancellationRequested)
                {
                    hub.Fail(this, TransportFailure.Disposed());
                }
            }
            catch (ObjectDisposedException)
            {
                hub.Fail(this, TransportFailure.Disposed());
            }
            catch (TransportFailure failure)
            {
                hub.Fail(this, failure);
            }
            catch (Exception ex)
            {
                hub.Fail(this, TransportFailure.Unexpected("the standalone stream failed.", ex));
            }
        }
    }
}
