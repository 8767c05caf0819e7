using System.Text;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Streams;
using static Cortex.Mcp.Fast.Tests.Transports.Streams.FakeEventStreamSource;

namespace Cortex.Mcp.Fast.Tests.Transports.Streams;

/// <summary>
/// A stream that survives cuts, over scripted in-memory connections and a fake clock that records every wait:
/// resumes with <c>Last-Event-ID</c>, waits as <see cref="ReconnectPolicy"/> says, gives up after
/// <see cref="StreamOptions.MaxReconnectAttempts"/> failed connections in a row, and cannot be driven into a
/// reconnect storm by <c>retry: 0</c>.
/// </summary>
public sealed class ResumableEventStreamTests : IDisposable
{
    private readonly RecordingTimeProvider _clock = new();
    private readonly CancellationTokenSource _bound = new(TimeSpan.FromSeconds(10));

    [Fact]
    public async Task CutAfterEvents_ReopensWithLastEventIdAfterExactlyTheServerRetry()
    {
        var source = new FakeEventStreamSource(n => n == 1
            ? Connection.Breaks("retry: 500\nid: 1\ndata: {\"i\":1}\n\nid: 2\ndata: {\"i\":2}\n\n")
            : Connection.Ends("id: 3\ndata: {\"i\":3}\n\n"));
        var reconnects = 0;
        await using var stream = new ResumableEventStream(source, new StreamOptions(), watchEvents: true, _clock, () => reconnects++);

        var (items, waits) = await ReadAll(stream);

        Assert.Equal(["{\"i\":1}", "{\"i\":2}", "{\"i\":3}"], items);
        Assert.Equal([null, "2"], source.LastEventIds);
        Assert.Equal([TimeSpan.FromMilliseconds(500)], waits);
        Assert.Equal(1, reconnects);
        Assert.Equal(1, stream.Cursor.Reconnects);
        Assert.Equal(2, stream.Connections);
    }

    [Fact]
    public async Task CutWithoutServerRetry_WaitsOneSecond()
    {
        var source = new FakeEventStreamSource(n => n == 1 ? Connection.Breaks("id: a\ndata: {}\n\n") : Connection.Ends(string.Empty));
        await using var stream = new ResumableEventStream(source, new StreamOptions(), watchEvents: true, _clock);

        var (_, waits) = await ReadAll(stream);

        Assert.Equal([TimeSpan.FromSeconds(1)], waits);
        Assert.Equal([null, "a"], source.LastEventIds);
    }

    [Fact]
    public async Task CutWithRetryZero_ReopensAtOnce()
    {
        var source = new FakeEventStreamSource(n => n == 1 ? Connection.Breaks("retry: 0\nid: a\ndata: {}\n\n") : Connection.Ends("id: b\ndata: {}\n\n"));
        await using var stream = new ResumableEventStream(source, new StreamOptions(), watchEvents: true, _clock);

        var (items, waits) = await ReadAll(stream);

        Assert.Equal(2, items.Count);
        Assert.Empty(waits);
        Assert.Equal(2, source.Opens);
    }

    [Fact]
    public async Task CleanEnd_OfAResourceIsTheEndOfItsContent()
    {
        var source = new FakeEventStreamSource(_ => Connection.Ends("id: 1\ndata: {}\n\n"));
        await using var stream = new ResumableEventStream(source, new StreamOptions(), watchEvents: true, _clock);

        var (items, waits) = await ReadAll(stream);

        Assert.Single(items);
        Assert.Equal(1, source.Opens);
        Assert.Empty(waits);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RetryZeroStorm_OpensAtMostMaxReconnectAttemptsPlusOneConnectionsAndBacksOff(bool reopenAfterEnd)
    {
        // The hostile server: retry 0, a priming event, then it closes (or cuts) the connection, forever.
        const int Max = 5;
        var source = new FakeEventStreamSource(
            n => reopenAfterEnd ? Connection.Ends($"retry: 0\nid: p{n}\ndata:\n\n") : Connection.Breaks($"retry: 0\nid: p{n}\ndata:\n\n"),
            reopenAfterEnd);
        await using var stream = new ResumableEventStream(source, new StreamOptions { MaxReconnectAttempts = Max }, watchEvents: false, _clock);

        var (outcome, waits) = await _clock.RunAsync(() => stream.MoveNextAsync(_bound.Token).AsTask(), _bound.Token);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => outcome);
        Assert.Equal(FailureKind.NetworkError, failure.Kind);
        Assert.Contains($"{Max} reconnections in a row failed", failure.Message, StringComparison.Ordinal);
        Assert.Equal(Max + 1, source.Opens);
        Assert.Equal(Max, stream.Cursor.Reconnects);
        Assert.Equal(["p1", "p2", "p3", "p4", "p5"], source.LastEventIds.Skip(1));

        // The first reconnect honours retry: 0 exactly (no wait); every later one backs off from the floor.
        Assert.Equal(Enumerable.Range(2, Max - 1).Select(n => ReconnectPolicy.Delay(TimeSpan.Zero, n)), waits);
        Assert.All(waits, w => Assert.True(w >= ReconnectPolicy.RepeatFloor, w.ToString()));
        Assert.Equal(waits.Order(), waits);
        Assert.Equal(waits.Distinct().Count(), waits.Count);
    }

    [Fact]
    public async Task FailedReopens_AreBoundedByMaxReconnectAttemptsThenATypedFailure()
    {
        const int Max = 3;
        var source = new FakeEventStreamSource(n => n == 1
            ? Connection.Breaks("id: 1\ndata: {}\n\n")
            : Connection.Fails(TransportFailure.Status(503, "HTTP 503: busy")));
        await using var stream = new ResumableEventStream(source, new StreamOptions { MaxReconnectAttempts = Max }, watchEvents: true, _clock);

        Assert.True(await stream.MoveNextAsync(_bound.Token));
        var (outcome, waits) = await _clock.RunAsync(() => stream.MoveNextAsync(_bound.Token).AsTask(), _bound.Token);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => outcome);
        Assert.Equal(FailureKind.HttpStatus, failure.Kind);
        Assert.Equal(503, failure.StatusCode);
        Assert.Contains("HTTP 503: busy", failure.Message, StringComparison.Ordinal);
        Assert.Equal(Max + 1, source.Opens);
        Assert.Equal(Enumerable.Range(1, Max).Select(n => ReconnectPolicy.Delay(null, n)), waits);
    }

    [Fact]
    public async Task NullReopens_CountAsFailures()
    {
        const int Max = 2;
        var source = new FakeEventStreamSource(n => n == 1 ? Connection.Breaks("retry: 10\nid: 1\ndata: {}\n\n") : Connection.Null);
        await using var stream = new ResumableEventStream(source, new StreamOptions { MaxReconnectAttempts = Max }, watchEvents: true, _clock);

        Assert.True(await stream.MoveNextAsync(_bound.Token));
        var (outcome, _) = await _clock.RunAsync(() => stream.MoveNextAsync(_bound.Token).AsTask(), _bound.Token);

        await Assert.ThrowsAsync<TransportFailure>(() => outcome);
        Assert.Equal(Max + 1, source.Opens);
    }

    [Fact]
    public async Task RefusedReopen_IsFinalAtOnce()
    {
        var source = new FakeEventStreamSource(n => n == 1
            ? Connection.Breaks("id: 1\ndata: {}\n\n")
            : Connection.Fails(TransportFailure.Status(404, "HTTP 404: gone")));
        await using var stream = new ResumableEventStream(source, new StreamOptions { MaxReconnectAttempts = 5 }, watchEvents: true, _clock);

        Assert.True(await stream.MoveNextAsync(_bound.Token));
        var (outcome, _) = await _clock.RunAsync(() => stream.MoveNextAsync(_bound.Token).AsTask(), _bound.Token);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => outcome);
        Assert.Equal(404, failure.StatusCode);
        Assert.Equal(2, source.Opens);
    }

    [Fact]
    public async Task FirstOpenFailure_IsThrownWithoutReconnecting()
    {
        var source = new FakeEventStreamSource(_ => Connection.Fails(TransportFailure.Network("refused")));
        await using var stream = new ResumableEventStream(source, new StreamOptions(), watchEvents: true, _clock);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => stream.MoveNextAsync(_bound.Token).AsTask());

        Assert.Equal("refused", failure.Message);
        Assert.Equal(1, source.Opens);
    }

    [Fact]
    public async Task CutBeforeAnyEventId_FailsWithoutReconnecting()
    {
        var source = new FakeEventStreamSource(_ => Connection.Breaks("data: {\"no\":\"id\"}\n\n"));
        await using var stream = new ResumableEventStream(source, new StreamOptions(), watchEvents: true, _clock);

        Assert.True(await stream.MoveNextAsync(_bound.Token));
        var failure = await Assert.ThrowsAsync<TransportFailure>(() => stream.MoveNextAsync(_bound.Token).AsTask());

        Assert.Equal(FailureKind.NetworkError, failure.Kind);
        Assert.Equal(1, source.Opens);
    }

    [Fact]
    public async Task CutBeforeAnyEventId_ReopensWhenTheSourceAllowsIt()
    {
        var source = new FakeEventStreamSource(n => n == 1 ? Connection.Breaks("retry: 5\ndata: {}\n\n") : Connection.Ends("data: {}\n\n"), reopenWithoutEventId: true);
        await using var stream = new ResumableEventStream(source, new StreamOptions(), watchEvents: false, _clock);

        var (items, _) = await ReadAll(stream);

        Assert.Equal(2, items.Count);
        Assert.Equal([null, null], source.LastEventIds);
    }

    [Fact]
    public async Task AConnectionThatDeliveredAMessage_StartsAFreshFailureRun()
    {
        // Max 2: four cuts in a row would end the stream, but every second connection delivers, so it never does.
        const int Max = 2;
        var source = new FakeEventStreamSource(n => n switch
        {
            1 => Connection.Breaks("retry: 100\nid: 1\ndata: {\"i\":1}\n\n"),
            2 or 4 => Connection.Breaks($"id: e{n}\ndata:\n\n"),
            3 => Connection.Breaks("id: 3\ndata: {\"i\":3}\n\n"),
            _ => Connection.Ends("id: 5\ndata: {\"i\":5}\n\n"),
        });
        await using var stream = new ResumableEventStream(source, new StreamOptions { MaxReconnectAttempts = Max }, watchEvents: true, _clock);

        var (items, waits) = await ReadAll(stream);

        Assert.Equal(["{\"i\":1}", "{\"i\":3}", "{\"i\":5}"], items);
        Assert.Equal(5, source.Opens);
        Assert.Equal([null, "1", "e2", "3", "e4"], source.LastEventIds);
        var retry = TimeSpan.FromMilliseconds(100);
        Assert.Equal([retry, ReconnectPolicy.Delay(retry, 2), retry, ReconnectPolicy.Delay(retry, 2)], waits);
    }

    [Fact]
    public async Task Cancellation_DuringTheWait_IsAnOperationCanceledException()
    {
        var source = new FakeEventStreamSource(n => Connection.Breaks($"retry: 60000\nid: {n}\ndata: {{}}\n\n"));
        await using var stream = new ResumableEventStream(source, new StreamOptions(), watchEvents: true, _clock);
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(_bound.Token);
        Assert.True(await stream.MoveNextAsync(caller.Token));

        var move = stream.MoveNextAsync(caller.Token).AsTask();
        await caller.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => move.WaitAsync(_bound.Token));
        Assert.IsNotType<TransportFailure>(ex);
        Assert.Equal(1, source.Opens);
    }

    public void Dispose() => _bound.Dispose();

    private async Task<(List<string> Items, List<TimeSpan> Waits)> ReadAll(ResumableEventStream stream)
    {
        var (outcome, waits) = await _clock.RunAsync(
            async () =>
            {
                var items = new List<string>();
                while (await stream.MoveNextAsync(_bound.Token))
                {
                    items.Add(Encoding.UTF8.GetString(stream.Data));
                }

                return items;
            },
            _bound.Token);
        return (await outcome, waits);
    }
}
