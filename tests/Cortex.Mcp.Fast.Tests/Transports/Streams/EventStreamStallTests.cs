using Cortex.Mcp.Fast.Tests.Transports.Http;
using System.Net;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Streams;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Transports.Streams;

/// <summary>
/// Stall detection on a fake clock, over a body the test feeds: a line left incomplete past
/// <see cref="StreamOptions.LineProgressTimeout"/> ends the stream even while bytes trickle in; a stream of
/// heartbeats only ends at <see cref="StreamOptions.EventProgressTimeout"/>; data events and completed lines keep a
/// stream alive; a stream on which nothing arrives is not stalled by the line rule.
/// </summary>
public class EventStreamStallTests : IAsyncDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _clock = new();
    private readonly ControlledBodyStream _body = new();
    private readonly StreamCursor _cursor = new();
    private readonly CancellationTokenSource _bound = new(TimeSpan.FromSeconds(10));
    private EventStreamReader? _reader;

    /// <summary>The shared stall timer the reader registers with; null for a timer of the stream's own.</summary>
    private protected virtual StallMonitor? Monitor => null;

    [Fact]
    public async Task PartialLineThatNeverCompletes_EndsWithLineProgressFailure()
    {
        var reader = await Open(new StreamOptions { LineProgressTimeout = Limit }, watchEvents: false);
        _body.Feed("id: 1\ndata: {\"par");
        var move = reader.MoveNextAsync(_bound.Token).AsTask();
        await _body.WaitForBlockedReadsAsync(1, _bound.Token);

        _clock.Advance(Limit - TimeSpan.FromMilliseconds(1));
        Assert.False(_body.LastBlockedReadToken.IsCancellationRequested);
        _clock.Advance(Limit / 4);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => move.WaitAsync(_bound.Token));
        Assert.Equal(FailureShape.Timeout, failure.Shape);
        Assert.Equal(FailureKind.Timeout, failure.Kind);
        Assert.Equal(TimeoutLimit.LineProgress, failure.Limit);
        Assert.Equal(Limit, failure.LimitValue);
    }

    [Fact]
    public async Task BytesTricklingInsideOneLine_DoNotResetTheLineClock()
    {
        var reader = await Open(new StreamOptions { LineProgressTimeout = Limit }, watchEvents: false);
        var move = reader.MoveNextAsync(_bound.Token).AsTask();
        await _body.FeedAndWaitAsync("data: {", _bound.Token);

        for (var i = 0; i < 3; i++)
        {
            _clock.Advance(Limit * 0.3);
            await _body.FeedAndWaitAsync("x", _bound.Token);
        }

        Assert.False(_body.LastBlockedReadToken.IsCancellationRequested); // 0.9 of the limit so far
        _clock.Advance(Limit * 0.35);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => move.WaitAsync(_bound.Token));
        Assert.Equal(TimeoutLimit.LineProgress, failure.Limit);
    }

    [Fact]
    public async Task LinesThatComplete_KeepTheStreamAlive()
    {
        var reader = await Open(new StreamOptions { LineProgressTimeout = Limit }, watchEvents: false);
        var move = reader.MoveNextAsync(_bound.Token).AsTask();
        await _body.WaitForBlockedReadsAsync(1, _bound.Token);

        for (var i = 0; i < 5; i++)
        {
            await _body.FeedAndWaitAsync(": heartbeat\n", _bound.Token);
            _clock.Advance(Limit * 0.9);
        }

        Assert.False(_body.LastBlockedReadToken.IsCancellationRequested);
        Assert.False(move.IsCompleted);
        _body.Feed("data: {}\n\n");
        Assert.Equal(EventStreamStatus.Message, await move.WaitAsync(_bound.Token));
    }

    [Fact]
    public async Task NoBytesAtAll_IsNotStalledByTheLineRule()
    {
        var reader = await Open(new StreamOptions { LineProgressTimeout = Limit }, watchEvents: true);
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(_bound.Token);
        var move = reader.MoveNextAsync(caller.Token).AsTask();
        await _body.WaitForBlockedReadsAsync(1, _bound.Token);

        _clock.Advance(Limit * 20);

        Assert.False(_body.LastBlockedReadToken.IsCancellationRequested);
        Assert.False(move.IsCompleted);
        await caller.CancelAsync();
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => move.WaitAsync(_bound.Token));
        Assert.IsNotType<TransportFailure>(ex);
    }

    [Fact]
    public async Task HeartbeatsOnly_EndWithEventProgressFailure()
    {
        var reader = await Open(new StreamOptions { EventProgressTimeout = Limit }, watchEvents: true);
        var move = reader.MoveNextAsync(_bound.Token).AsTask();
        await _body.FeedAndWaitAsync(":\n", _bound.Token);
        _clock.Advance(Limit * 0.6);
        await _body.FeedAndWaitAsync(":\n", _bound.Token);
        Assert.False(_body.LastBlockedReadToken.IsCancellationRequested);

        _clock.Advance(Limit * 0.6);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => move.WaitAsync(_bound.Token));
        Assert.Equal(TimeoutLimit.EventProgress, failure.Limit);
        Assert.Equal(Limit, failure.LimitValue);
        Assert.Equal(FailureKind.Timeout, failure.Kind);
    }

    [Fact]
    public async Task DataEvents_RestartTheEventClock()
    {
        var reader = await Open(new StreamOptions { EventProgressTimeout = Limit }, watchEvents: true);
        for (var i = 0; i < 4; i++)
        {
            var move = reader.MoveNextAsync(_bound.Token).AsTask();
            _body.Feed("data: {}\n\n");
            Assert.Equal(EventStreamStatus.Message, await move.WaitAsync(_bound.Token));
            _clock.Advance(Limit * 0.8);
        }

        var blocked = _body.BlockedReads;
        var last = reader.MoveNextAsync(_bound.Token).AsTask();
        await _body.WaitForBlockedReadsAsync(blocked + 1, _bound.Token);
        Assert.False(_body.LastBlockedReadToken.IsCancellationRequested);
        _clock.Advance(Limit * 0.5);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => last.WaitAsync(_bound.Token));
        Assert.Equal(TimeoutLimit.EventProgress, failure.Limit);
    }

    [Fact]
    public async Task EventProgress_IsIgnoredWhenTheReaderDoesNotWatchEvents()
    {
        // Subscriptions may rightly be quiet for hours: only resource streams watch event progress.
        var reader = await Open(new StreamOptions { EventProgressTimeout = Limit }, watchEvents: false);
        var move = reader.MoveNextAsync(_bound.Token).AsTask();
        await _body.FeedAndWaitAsync(":\n", _bound.Token);

        _clock.Advance(Limit * 10);

        Assert.False(_body.LastBlockedReadToken.IsCancellationRequested);
        _body.Feed("data: {}\n\n");
        Assert.Equal(EventStreamStatus.Message, await move.WaitAsync(_bound.Token));
    }

    public async ValueTask DisposeAsync()
    {
        if (_reader is not null)
        {
            await _reader.DisposeAsync();
        }

        _cursor.Dispose();
        _bound.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The fake clock of the stream (for subclasses that build a monitor on it).</summary>
    protected FakeTimeProvider Clock => _clock;

    private async Task<EventStreamReader> Open(StreamOptions options, bool watchEvents)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(_body) };
        _reader = await EventStreamReader.OpenAsync(EngineResponses.Of(response), EngineResponses.Engine, _cursor, options, watchEvents, _clock, Monitor, _bound.Token);
        return _reader;
    }
}

/// <summary>
/// The same stall rules when the transport's one shared <see cref="StallMonitor"/> checks every stream instead of a
/// timer per stream; a stream leaves the monitor when it is disposed.
/// </summary>
public sealed class EventStreamStallSharedMonitorTests : EventStreamStallTests
{
    private readonly StallMonitor _monitor;

    public EventStreamStallSharedMonitorTests()
    {
        _monitor = new StallMonitor(Clock);
    }

    private protected override StallMonitor? Monitor => _monitor;

    [Fact]
    public async Task Reader_RegistersWhileOpen_AndLeavesTheMonitorWhenDisposed()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var cursor = new StreamCursor();
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("data: {}\n\n") };
        var reader = await EventStreamReader.OpenAsync(EngineResponses.Of(response), EngineResponses.Engine, cursor, new StreamOptions(), watchEvents: false, Clock, _monitor, bound.Token);

        Assert.Equal(1, _monitor.Count);
        Assert.Equal(EventStreamStatus.Message, await reader.MoveNextAsync(bound.Token));
        await reader.DisposeAsync();

        Assert.Equal(0, _monitor.Count);
    }
}
