using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.ServerSentEvents;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>How one move of an <see cref="EventStreamReader"/> ended.</summary>
internal enum EventStreamStatus : byte
{
    /// <summary>A data event: <see cref="EventStreamReader.Data"/> holds its payload.</summary>
    Message,

    /// <summary>The server ended the stream cleanly.</summary>
    Ended,

    /// <summary>The connection broke (reset, truncated chunk): the caller may resume from the cursor.</summary>
    Broken,
}

/// <summary>
/// The one SSE read loop of the library, over one response body: every stream — REST resource streams, MCP POST
/// replies, their resumptions and the standalone stream — is read here. Priming and keep-alive events (empty data)
/// are never handed out; every event id and <c>retry</c> goes to the <see cref="StreamCursor"/>; a broken
/// connection is reported, not thrown, so the caller decides about resuming; stream limits and stalls end it with a
/// <see cref="TransportFailure"/>.
/// </summary>
/// <remarks>Not thread-safe: one consumer moves it. <see cref="Data"/> is valid until the next move.</remarks>
internal sealed class EventStreamReader : IAsyncDisposable
{
    private readonly HttpEngineResponse _response;
    private readonly IHttpEngine _engine;
    private readonly PipeReader _pipe;
    private readonly SseEventReader _events;
    private readonly StallWatchdog _watchdog;
    private readonly StreamCursor _cursor;
    private readonly long _openedAt;
    private readonly TimeProvider _timeProvider;

    private EventStreamReader(HttpEngineResponse response, IHttpEngine engine, PipeReader body, LineProgress progress, StreamCursor cursor, StreamOptions limits, bool watchEvents, TimeProvider timeProvider, StallMonitor? monitor)
    {
        _response = response;
        _engine = engine;
        _cursor = cursor;
        _timeProvider = timeProvider;
        _openedAt = timeProvider.GetTimestamp();
        _pipe = body;
        _events = new SseEventReader(_pipe, SseParserOptions.Default);
        _watchdog = new StallWatchdog(progress, _pipe, timeProvider, limits.LineProgressTimeout, watchEvents ? limits.EventProgressTimeout : null, monitor);
    }

    /// <summary>The payload of the current data event; valid until the next move.</summary>
    public ReadOnlySpan<byte> Data => _events.Current.Data;

    /// <summary>The type of the current data event (<c>message</c> when it named none); valid until the next move.</summary>
    public ReadOnlySpan<byte> EventType => _events.Current.EventType;

    /// <summary>True once this connection delivered a data event.</summary>
    public bool DeliveredMessage { get; private set; }

    /// <summary>True when this connection stayed open long enough to count as healthy even without a message.</summary>
    public bool WasStable => _timeProvider.GetElapsedTime(_openedAt) >= ReconnectPolicy.StableConnection;

    /// <summary>Starts reading <paramref name="response"/> (which this reader now owns), an accepted event stream.</summary>
    /// <param name="response">A 200 response with <c>text/event-stream</c>.</param>
    /// <param name="engine">The engine the response came from.</param>
    /// <param name="cursor">Receives ids and <c>retry</c>.</param>
    /// <param name="limits">The stall limits.</param>
    /// <param name="watchEvents">True to apply <see cref="StreamOptions.EventProgressTimeout"/> (resource streams).</param>
    /// <param name="timeProvider">The clock of the stall limits.</param>
    /// <param name="monitor">The transport's shared stall timer, or null for a timer of the stream's own.</param>
    /// <param name="cancellationToken">Cancels opening the body.</param>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public static async ValueTask<EventStreamReader> OpenAsync(
        HttpEngineResponse response, IHttpEngine engine, StreamCursor cursor, StreamOptions limits, bool watchEvents, TimeProvider timeProvider, StallMonitor? monitor, CancellationToken cancellationToken)
    {
        try
        {
            var progress = new LineProgress(timeProvider);
            var body = await response.OpenBodyPipeAsync(progress, cancellationToken).ConfigureAwait(false);
            return new EventStreamReader(response, engine, body, progress, cursor, limits, watchEvents, timeProvider, monitor);
        }
        catch
        {
            await response.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Moves to the next data event, or reports how the stream ended.</summary>
    /// <exception cref="TransportFailure">A stream limit was exceeded, or the stream stalled.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<EventStreamStatus> MoveNextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            bool more;
            try
            {
                more = await _events.MoveNextAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SseLimitExceededException ex)
            {
                throw TransportFailure.Protocol($"the event stream broke a limit: {ex.Message}", ex);
            }
            catch (OperationCanceledException) when (_watchdog.Failure is { } stalled && !cancellationToken.IsCancellationRequested)
            {
                throw stalled;
            }
            catch (Exception ex) when (_engine.IsBrokenConnection(ex) && !cancellationToken.IsCancellationRequested)
            {
                Note();
                return EventStreamStatus.Broken;
            }

            Note();
            if (!more)
            {
                return EventStreamStatus.Ended;
            }

            if (_events.Current.IsDataEmpty)
            {
                continue; // priming event or keep-alive: never handed to a JSON reader
            }

            _watchdog.OnEvent();
            DeliveredMessage = true;
            return EventStreamStatus.Message;
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    public async ValueTask DisposeAsync()
    {
        _watchdog.Dispose();
        _events.Dispose();
        await _pipe.CompleteAsync().ConfigureAwait(false);
        await _response.DisposeAsync().ConfigureAwait(false);
    }

    private void Note()
    {
        // The id is sticky across events. An empty id (a WHATWG reset) keeps the last real one: resuming from it
        // at worst replays events the router ignores, while resuming from nothing would lose the reply.
        if (!_events.LastEventId.IsEmpty)
        {
            _cursor.SetLastEventId(_events.LastEventId);
        }

        if (_events.ReconnectionInterval is { } retry)
        {
            _cursor.ServerRetry = retry;
        }
    }
}
