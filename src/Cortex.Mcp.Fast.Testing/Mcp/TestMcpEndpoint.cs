using System.Collections.Concurrent;
using Cortex.Mcp.Fast.Testing.Internal;
using Cortex.Mcp.Fast.Testing.Mcp;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// Controls and observes the service's MCP Streamable HTTP endpoint, <c>{BaseAddress}mcp</c>: its mode, its
/// sessions, and the scripted protocol events (stream cuts, server pings, resource updates). Reach it through
/// <see cref="TestMcpService.Mcp"/>. Thread-safe; changes apply to requests that arrive afterwards.
/// </summary>
/// <remarks>
/// The tool faults of <see cref="TestMcpService.Faults"/> (gate, latency, planned and random failures) apply to
/// <c>tools/call</c> as they do to REST tool calls; injected failures are HTTP errors whose body is a JSON-RPC error.
/// Instead of sleeping or polling, a test awaits <see cref="WaitUntilAsync"/>.
/// </remarks>
public sealed class TestMcpEndpoint
{
    private readonly ConditionWaiters _waiters = new();
    private readonly ConcurrentDictionary<long, byte> _pendingPings = new();
    private readonly ConcurrentQueue<string> _cancelledIds = new();
    private int _mode;
    private int _sessionLostStatus;
    private long _sseRetryTicks;
    private long _initializations;
    private long _deletes;
    private long _pingResponses;
    private long _cancellations;
    private long _cancelledInFlight;
    private long _resumptions;
    private long _subscribes;
    private long _unsubscribes;
    private int _openStandaloneStreams;
    private int _cutNext = -1;
    private int _pingNext;
    private long _lastPingId = -1;

    internal TestMcpEndpoint(TestMcpServiceOptions options)
    {
        Mode = options.McpMode;
        SessionLostStatus = options.McpSessionLostStatus;
        SseRetry = options.McpSseRetry;
    }

    /// <summary>How the endpoint answers; see <see cref="TestMcpMode"/>. Existing sessions survive a change.</summary>
    public TestMcpMode Mode
    {
        get => (TestMcpMode)Volatile.Read(ref _mode);
        set => Volatile.Write(ref _mode, (int)EnumGuard.Defined(value));
    }

    /// <summary>
    /// The answer to a request carrying an unknown, expired or deleted session id: 404 with
    /// <c>{"jsonrpc":"2.0","id":null,"error":{"code":-32001,"message":"Session not found"}}</c> (the spec, the SDKs),
    /// or 400 with <c>{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID
    /// provided"}}</c> and no id member (server-everything).
    /// </summary>
    public int SessionLostStatus
    {
        get => Volatile.Read(ref _sessionLostStatus);
        set
        {
            TestMcpServiceOptions.ValidateSessionLostStatus(value);
            Volatile.Write(ref _sessionLostStatus, value);
        }
    }

    /// <summary>The <c>retry</c> field of priming events (the client's reconnection delay);
    /// <see langword="null"/> sends none.</summary>
    public TimeSpan? SseRetry
    {
        get
        {
            var ticks = Volatile.Read(ref _sseRetryTicks);
            return ticks < 0 ? null : TimeSpan.FromTicks(ticks);
        }
        set
        {
            if (value < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "SseRetry must not be negative.");
            }

            Volatile.Write(ref _sseRetryTicks, value?.Ticks ?? -1);
        }
    }

    /// <summary>Sessions alive now (stateful mode).</summary>
    public int LiveSessions => Sessions.Count;

    /// <summary><c>initialize</c> requests answered, in either mode.</summary>
    public long Initializations => Volatile.Read(ref _initializations);

    /// <summary>Sessions ended by a client's DELETE.</summary>
    public long Deletes => Volatile.Read(ref _deletes);

    /// <summary>Client responses received to the server's <c>ping</c> requests
    /// (<see cref="SendPingOnNextStream"/>).</summary>
    public long PingResponses => Volatile.Read(ref _pingResponses);

    /// <summary><c>notifications/cancelled</c> received.</summary>
    public long Cancellations => Volatile.Read(ref _cancellations);

    /// <summary>Cancellations that found their request still running and stopped it.</summary>
    public long CancelledInFlight => Volatile.Read(ref _cancelledInFlight);

    /// <summary>GET requests with <c>Last-Event-ID</c> that resumed a stream.</summary>
    public long Resumptions => Volatile.Read(ref _resumptions);

    /// <summary><c>resources/subscribe</c> requests answered (any session).</summary>
    public long Subscribes => Volatile.Read(ref _subscribes);

    /// <summary><c>resources/unsubscribe</c> requests answered (any session).</summary>
    public long Unsubscribes => Volatile.Read(ref _unsubscribes);

    /// <summary>Standalone GET streams open now.</summary>
    public int OpenStandaloneStreams => Volatile.Read(ref _openStandaloneStreams);

    /// <summary>The <c>requestId</c> of every <c>notifications/cancelled</c> received, in order: a number as
    /// written, a string unquoted.</summary>
    public IReadOnlyList<string> CancelledRequestIds => [.. _cancelledIds];

    internal McpSessionStore Sessions { get; } = new();

    /// <summary>In-flight cancellable requests, by <c>{sessionId}\n{raw id}</c>.</summary>
    internal ConcurrentDictionary<string, CancellationTokenSource> InFlight { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Ends every session at once, as a server restart or idle expiry would: their streams end, their running
    /// requests stop, and later requests carrying their ids get <see cref="SessionLostStatus"/>.
    /// </summary>
    /// <returns>The number of sessions ended.</returns>
    public int ExpireSessions()
    {
        var count = Sessions.EndAll();
        _waiters.Notify();
        return count;
    }

    /// <summary>
    /// The next SSE reply to a POST (stateful mode) is cut after <paramref name="events"/> events (the priming event
    /// counts): the connection's output is completed (the client sees the body end without its terminator) and
    /// the remaining events, the response included, are held for a GET with <c>Last-Event-ID</c>. Over HTTP/2 the
    /// cut ends every stream of the connection.
    /// </summary>
    public void CutNextResponseStreamAfterEvents(int events)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(events);
        Volatile.Write(ref _cutNext, events);
    }

    /// <summary>
    /// The next SSE reply (after its priming event, before anything else) carries a server→client
    /// <c>{"jsonrpc":"2.0","id":N,"method":"ping"}</c>; ids count up from 0. The client's POSTed response is
    /// counted in <see cref="PingResponses"/>.
    /// </summary>
    public void SendPingOnNextStream() => Volatile.Write(ref _pingNext, 1);

    /// <summary>
    /// Sends <c>notifications/resources/updated</c> for <paramref name="uri"/> on the standalone stream of every
    /// session subscribed to it (queued in the stream's log when no GET is attached).
    /// </summary>
    /// <returns>The number of sessions notified.</returns>
    public async Task<int> NotifyResourceUpdatedAsync(string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        var message = McpToolResults.ResourceUpdated(uri);
        var count = 0;
        foreach (var session in Sessions.Snapshot())
        {
            if (session.Subscriptions.ContainsKey(uri))
            {
                await session.Standalone.AppendAsync(message).ConfigureAwait(false);
                count++;
            }
        }

        return count;
    }

    /// <summary>Completes when <paramref name="condition"/> holds; checked now and after every change of this
    /// object's counters. It must be cheap and must not block.</summary>
    public Task WaitUntilAsync(Func<TestMcpEndpoint, bool> condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return _waiters.WaitAsync(() => condition(this), cancellationToken);
    }

    internal int TakeCut() => Volatile.Read(ref _cutNext) < 0 ? -1 : Interlocked.Exchange(ref _cutNext, -1);

    internal bool TryTakePing(out long id)
    {
        if (Volatile.Read(ref _pingNext) == 0 || Interlocked.Exchange(ref _pingNext, 0) == 0)
        {
            id = 0;
            return false;
        }

        id = Interlocked.Increment(ref _lastPingId);
        _pendingPings[id] = 0;
        return true;
    }

    internal void OnClientResponse(ReadOnlySpan<byte> rawId)
    {
        if (System.Buffers.Text.Utf8Parser.TryParse(rawId, out long id, out var consumed) && consumed == rawId.Length
            && _pendingPings.TryRemove(id, out _))
        {
            Increment(ref _pingResponses);
        }
    }

    internal void OnInitialize() => Increment(ref _initializations);

    internal void OnDelete() => Increment(ref _deletes);

    internal void OnResumption() => Increment(ref _resumptions);

    internal void OnSubscription(bool subscribe) => Increment(ref subscribe ? ref _subscribes : ref _unsubscribes);

    internal void OnStandaloneOpened() => Increment(ref _openStandaloneStreams);

    internal void OnStandaloneClosed()
    {
        Interlocked.Decrement(ref _openStandaloneStreams);
        _waiters.Notify();
    }

    internal void OnSessionsChanged() => _waiters.Notify();

    /// <summary>Records a <c>notifications/cancelled</c> and stops the request if it still runs.</summary>
    internal void OnCancelled(string? sessionId, ReadOnlySpan<byte> rawRequestId)
    {
        if (!rawRequestId.IsEmpty)
        {
            _cancelledIds.Enqueue(JsonRpcMessage.ScalarText(rawRequestId));
            var key = InFlightKey(sessionId, rawRequestId);
            if (InFlight.TryGetValue(key, out var running))
            {
                try
                {
                    running.Cancel();
                    Interlocked.Increment(ref _cancelledInFlight);
                }
                catch (ObjectDisposedException)
                {
                    // It finished just now.
                }
            }
        }

        Increment(ref _cancellations);
    }

    internal static string InFlightKey(string? sessionId, ReadOnlySpan<byte> rawId)
        => string.Concat(sessionId ?? string.Empty, "\n", System.Text.Encoding.UTF8.GetString(rawId));

    private void Increment(ref long counter)
    {
        Interlocked.Increment(ref counter);
        _waiters.Notify();
    }

    private void Increment(ref int counter)
    {
        Interlocked.Increment(ref counter);
        _waiters.Notify();
    }
}
