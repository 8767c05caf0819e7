using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>
/// A long-lived event stream that survives cuts: reads each connection with <see cref="EventStreamReader"/> and
/// reopens a dropped one through its <see cref="IEventStreamSource"/> with <c>Last-Event-ID</c>, after the wait of
/// <see cref="ReconnectPolicy"/>, at most <see cref="StreamOptions.MaxReconnectAttempts"/> failed connections in a
/// row; then it ends with a typed error. Serves REST resource streams and the MCP standalone stream.
/// </summary>
/// <remarks>Not thread-safe: one consumer moves it. Waits happen here, on the stream's own task (a stream holds a
/// stream slot, never a worker).</remarks>
internal sealed class ResumableEventStream : IAsyncDisposable
{
    private readonly IEventStreamSource _source;
    private readonly StreamOptions _options;
    private readonly bool _watchEvents;
    private readonly TimeProvider _timeProvider;
    private readonly Action? _onReconnect;
    private readonly StallMonitor? _monitor;
    private EventStreamReader? _reader;
    private TransportFailure? _lastFailure;
    private int _connections;

    public ResumableEventStream(IEventStreamSource source, StreamOptions options, bool watchEvents, TimeProvider timeProvider, Action? onReconnect = null, StallMonitor? monitor = null)
    {
        _monitor = monitor;
        _source = source;
        _options = options;
        _watchEvents = watchEvents;
        _timeProvider = timeProvider;
        _onReconnect = onReconnect;
    }

    /// <summary>The position across connections.</summary>
    public StreamCursor Cursor { get; } = new();

    /// <summary>Connections opened so far (diagnostics and tests).</summary>
    public int Connections => _connections;

    /// <summary>The payload of the current message; valid until the next move.</summary>
    public ReadOnlySpan<byte> Data => _reader!.Data;

    /// <summary>Moves to the next message, reconnecting as needed; false when the content ended.</summary>
    /// <exception cref="TransportFailure">The first connection failed, a reconnection was refused, too many
    /// connections failed in a row, a limit was exceeded or the stream stalled.</exception>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_reader is null && !await ConnectAsync(cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var status = await _reader!.MoveNextAsync(cancellationToken).ConfigureAwait(false);
            if (status == EventStreamStatus.Message)
            {
                Cursor.ConsecutiveFailures = 0;
                return true;
            }

            var healthy = _reader.DeliveredMessage || _reader.WasStable;
            await _reader.DisposeAsync().ConfigureAwait(false);
            _reader = null;
            if (status == EventStreamStatus.Ended && !_source.ReopenAfterEnd)
            {
                return false;
            }

            if (!Cursor.CanResume && !_source.ReopenWithoutEventId)
            {
                throw TransportFailure.Network("the stream broke before any event id, so it cannot be resumed without repeating items.");
            }

            // A connection that delivered (or lived long) starts a fresh run; one that did not adds to the run.
            Cursor.ConsecutiveFailures = healthy ? 1 : Cursor.ConsecutiveFailures + 1;
            _lastFailure = TransportFailure.Network(status == EventStreamStatus.Broken ? "the stream broke." : "the server ended the stream.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_reader is { } reader)
        {
            _reader = null;
            await reader.DisposeAsync().ConfigureAwait(false);
        }

        Cursor.Dispose();
    }

    /// <summary>Opens the next connection; false when it must be tried again (counted as a failure).</summary>
    private async ValueTask<bool> ConnectAsync(CancellationToken cancellationToken)
    {
        if (_connections > 0)
        {
            if (Cursor.ConsecutiveFailures > _options.MaxReconnectAttempts)
            {
                var cause = _lastFailure ?? TransportFailure.Network("the stream dropped.");
                throw cause.WithDetail($"the stream could not be kept open: {_options.MaxReconnectAttempts} reconnections in a row failed (last: {cause.Message})");
            }

            var delay = ReconnectPolicy.Delay(Cursor.ServerRetry, Cursor.ConsecutiveFailures);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }

            Cursor.Reconnects++;
            _onReconnect?.Invoke();
        }

        _connections++;
        Http.HttpEngineResponse? response;
        try
        {
            response = await _source.OpenAsync(Cursor, cancellationToken).ConfigureAwait(false);
        }
        catch (TransportFailure failure) when (_connections > 1 && IsTransient(failure))
        {
            Cursor.ConsecutiveFailures++;
            _lastFailure = failure;
            return false;
        }

        if (response is null)
        {
            Cursor.ConsecutiveFailures++;
            return false;
        }

        _reader = await EventStreamReader.OpenAsync(response, _source.Engine, Cursor, _options, _watchEvents, _timeProvider, _monitor, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>A reconnection that failed this way is worth another try: the stream was already accepted once.</summary>
    private static bool IsTransient(TransportFailure failure) =>
        failure.Kind is FailureKind.NetworkError or FailureKind.ConnectFailure or FailureKind.Timeout
        || (failure.Kind == FailureKind.HttpStatus && FailureClassifier.IsRetryable(failure.Kind, failure.StatusCode));
}
