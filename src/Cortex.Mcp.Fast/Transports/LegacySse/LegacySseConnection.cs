using System.Collections.Concurrent;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Tasks;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.StreamableHttp;
using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Transports.LegacySse;

/// <summary>
/// One connection of the legacy HTTP+SSE transport (2024-11-05): the long-lived GET stream, the message endpoint
/// its <c>endpoint</c> event announced, and the requests waiting for their response on that stream. Responses are
/// matched by id; progress by token; server requests are answered by POST through the shared responder.
/// </summary>
/// <remarks>Thread-safe. When the stream ends every waiting request fails: the server's session ended with it.</remarks>
internal sealed class LegacySseConnection : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, Waiter> _waiting = new();
    private readonly EventStreamReader _reader;
    private readonly McpMessageRouter _router;
    private readonly CancellationTokenSource _stop;
    private Task _loop = Task.CompletedTask;
    private TransportFailure? _ended;

    private LegacySseConnection(EventStreamReader reader, Uri messageEndpoint, JsonRpcExchange exchange, McpMessageRouter router, CancellationToken disposed)
    {
        _reader = reader;
        MessageEndpoint = messageEndpoint;
        Exchange = exchange;
        _router = router;
        _stop = CancellationTokenSource.CreateLinkedTokenSource(disposed);
    }

    /// <summary>The URL the server announced for our messages (same origin as the stream).</summary>
    public Uri MessageEndpoint { get; }

    /// <summary>POSTs our messages and answers to <see cref="MessageEndpoint"/>.</summary>
    public JsonRpcExchange Exchange { get; }

    /// <summary>The session once initialized (provisional during the handshake).</summary>
    public McpSession? Session { get; set; }

    /// <summary>Completes when the stream's read loop ended (intended for testing).</summary>
    internal Task Completion => _loop;

    /// <summary>True once the stream ended; the transport then opens a new connection.</summary>
    public bool IsEnded => Volatile.Read(ref _ended) is not null;

    /// <summary>
    /// Reads events of an accepted stream until the <c>endpoint</c> event, checks its URL is on the stream's origin,
    /// and starts reading messages.
    /// </summary>
    /// <exception cref="TransportFailure">No endpoint event, or one that points to another origin.</exception>
    public static async ValueTask<LegacySseConnection> OpenAsync(
        EventStreamReader reader, Uri streamUri, Func<Uri, JsonRpcExchange> createExchange, McpMessageRouter router, CancellationToken disposed, CancellationToken cancellationToken)
    {
        try
        {
            Uri? endpoint = null;
            while (endpoint is null)
            {
                var status = await reader.MoveNextAsync(cancellationToken).ConfigureAwait(false);
                if (status != EventStreamStatus.Message)
                {
                    throw TransportFailure.Protocol("the legacy SSE stream ended before its endpoint event.", status: 200);
                }

                if (reader.EventType.SequenceEqual("endpoint"u8))
                {
                    endpoint = ResolveEndpoint(streamUri, System.Text.Encoding.UTF8.GetString(reader.Data));
                }
            }

            var connection = new LegacySseConnection(reader, endpoint, createExchange(endpoint), router, disposed);
            connection._loop = DetachedFlow.Start(() => Task.Run(connection.ReadLoopAsync, CancellationToken.None)); // serves every caller
            return connection;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The announced endpoint, resolved against the stream's URL. Spec (2024-11-05 transports): the client sends its
    /// messages there; it must be on the stream's origin (scheme, host, port), or a server could point our
    /// requests (and their bearer token) at another host.
    /// </summary>
    /// <exception cref="TransportFailure">Not a URL, or another origin.</exception>
    internal static Uri ResolveEndpoint(Uri streamUri, string announced)
    {
        var text = announced.Trim();
        if (text.Length == 0 || text.Length > 2048 || !Uri.TryCreate(streamUri, text, out var endpoint))
        {
            throw TransportFailure.Protocol("the legacy SSE endpoint event does not carry a usable URL.", status: 200);
        }

        if (!string.Equals(endpoint.Scheme, streamUri.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(endpoint.IdnHost, streamUri.IdnHost, StringComparison.OrdinalIgnoreCase)
            || endpoint.Port != streamUri.Port)
        {
            // The announced value is not echoed: only its origin, which is what was refused.
            // A protocol failure (ServiceProtocolException): the server broke the rule; nothing was POSTed there.
            throw TransportFailure.Protocol(
                $"the legacy SSE endpoint event points to another origin ({endpoint.GetLeftPart(UriPartial.Authority)}); only {streamUri.GetLeftPart(UriPartial.Authority)} is accepted.",
                status: 200);
        }

        return endpoint;
    }

    /// <summary>Registers a request before its POST, so a response that beats the POST's own answer is not lost.</summary>
    public Task Expect(McpPendingRequest request)
    {
        var waiter = new Waiter(request);
        if (!_waiting.TryAdd(request.Id, waiter))
        {
            throw new InvalidOperationException("Duplicate request id.");
        }

        if (Volatile.Read(ref _ended) is { } ended)
        {
            Abandon(request.Id);
            throw ended;
        }

        return waiter.Done.Task;
    }

    /// <summary>Stops waiting for <paramref name="id"/>; after this the stream never touches its request.</summary>
    public void Abandon(long id)
    {
        if (_waiting.TryRemove(id, out var waiter))
        {
            lock (waiter)
            {
                waiter.Abandoned = true;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped by us.
        }

        _stop.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var failure = TransportFailure.Network("the legacy SSE stream ended; the server's session ended with it.");
        try
        {
            await using (_reader.ConfigureAwait(false))
            {
                while (await _reader.MoveNextAsync(_stop.Token).ConfigureAwait(false) == EventStreamStatus.Message)
                {
                    if (!_reader.EventType.SequenceEqual("message"u8))
                    {
                        continue; // spec (2024-11-05): server messages are "message" events; others are not ours
                    }

                    Route();
                }
            }
        }
        catch (TransportFailure ex)
        {
            failure = ex;
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            failure = TransportFailure.Disposed();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            failure = TransportFailure.Unexpected("reading the legacy SSE stream failed.", ex);
        }
        finally
        {
            Volatile.Write(ref _ended, failure);
            foreach (var id in _waiting.Keys)
            {
                if (_waiting.TryRemove(id, out var waiter))
                {
                    waiter.Done.TrySetException(failure);
                }
            }
        }
    }

    /// <summary>Routes the current message to the request it answers (or reports progress to), and answers server requests.</summary>
    private void Route()
    {
        var session = Session;
        if (session is null)
        {
            return;
        }

        var data = _reader.Data;
        var message = JsonRpcMessageReader.Read(data);
        long id = -1;
        if (message.Kind is JsonRpcMessageKind.Result or JsonRpcMessageKind.Error)
        {
            message.TryGetNumericId(out id);
        }
        else if (message.Kind == JsonRpcMessageKind.Notification && message.Method == McpMethod.Progress
            && McpPayloadReader.TryReadProgress(message.Params, out var progress) && progress.ProgressToken.TryGetNumber(out var token))
        {
            id = token;
        }

        List<ServerRequest>? requests = null;
        if (id >= 0 && _waiting.TryGetValue(id, out var waiter))
        {
            lock (waiter)
            {
                if (!waiter.Abandoned)
                {
                    _router.Route(data, session, waiter.Request, 200, ref requests);
                }
            }

            if (waiter.Request.Completed && _waiting.TryRemove(id, out _))
            {
                waiter.Done.TrySetResult();
            }
        }
        else
        {
            _router.Route(data, session, null, 200, ref requests);
        }

        if (requests is not null)
        {
            // Off the read loop: a handler may wait for a user, and the stream must keep delivering meanwhile.
            _ = AnswerAsync(session, requests);
        }
    }

    private async Task AnswerAsync(McpSession session, List<ServerRequest> requests)
    {
        try
        {
            await Exchange.Responder.AnswerAllAsync(session, requests, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TransportFailure or OperationCanceledException or ObjectDisposedException)
        {
            // The server stops waiting for an answer when its stream ends; nobody else is owed one.
        }
    }

    private sealed class Waiter(McpPendingRequest request)
    {
        public McpPendingRequest Request { get; } = request;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Abandoned { get; set; }
    }
}
