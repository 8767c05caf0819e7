using System.Net;
using System.Text;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.ServerSentEvents;
using Cortex.Mcp.Fast.Tests.Transports.Http;
using Cortex.Mcp.Fast.Transports.Streams;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Transports.Streams;

/// <summary>The one SSE read loop over in-memory bodies: what is handed out, what reaches the cursor, and how a
/// stream ends (cleanly, broken, or over a limit).</summary>
public sealed class EventStreamReaderTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task MoveNext_PrimingAndKeepAliveEvents_AreSkippedAndIdAndRetryReachTheCursor()
    {
        using var cursor = new StreamCursor();
        await using var reader = await Open("id: p1\ndata:\n\n:heartbeat\n\nretry: 1500\nid: 7\ndata: {\"a\":1}\n\ndata:\n\nid: 8\ndata: {\"a\":2}\n\n", cursor);

        Assert.False(reader.DeliveredMessage);
        Assert.Equal(EventStreamStatus.Message, await reader.MoveNextAsync(Timeout()));
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(reader.Data));
        Assert.True(reader.DeliveredMessage);
        Assert.Equal("7", cursor.LastEventIdHeader);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), cursor.ServerRetry);

        Assert.Equal(EventStreamStatus.Message, await reader.MoveNextAsync(Timeout()));
        Assert.Equal("{\"a\":2}", Encoding.UTF8.GetString(reader.Data));
        Assert.Equal("8", cursor.LastEventIdHeader);

        Assert.Equal(EventStreamStatus.Ended, await reader.MoveNextAsync(Timeout()));
    }

    [Fact]
    public async Task MoveNext_OnlyAPrimingEvent_EndsWithoutAMessageButKeepsItsId()
    {
        using var cursor = new StreamCursor();
        await using var reader = await Open("id: prime-1\nretry: 0\ndata:\n\n", cursor);

        Assert.Equal(EventStreamStatus.Ended, await reader.MoveNextAsync(Timeout()));
        Assert.False(reader.DeliveredMessage);
        Assert.Equal("prime-1", cursor.LastEventIdHeader);
        Assert.Equal(TimeSpan.Zero, cursor.ServerRetry);
    }

    [Fact]
    public async Task MoveNext_IdOnlyBlock_MovesTheCursorWithoutAMessage()
    {
        using var cursor = new StreamCursor();
        await using var reader = await Open("data: {}\n\nid: 9\n\n", cursor);

        Assert.Equal(EventStreamStatus.Message, await reader.MoveNextAsync(Timeout()));
        Assert.False(cursor.CanResume);
        Assert.Equal(EventStreamStatus.Ended, await reader.MoveNextAsync(Timeout()));
        Assert.Equal("9", cursor.LastEventIdHeader);
    }

    [Fact]
    public async Task MoveNext_EmptyId_KeepsTheLastRealIdForResuming()
    {
        using var cursor = new StreamCursor();
        await using var reader = await Open("id: 3\ndata: {}\n\nid:\ndata: {}\n\n", cursor);

        await reader.MoveNextAsync(Timeout());
        await reader.MoveNextAsync(Timeout());

        Assert.Equal("3", cursor.LastEventIdHeader);
    }

    [Fact]
    public async Task MoveNext_PendingEventAtTheEnd_IsDiscarded()
    {
        using var cursor = new StreamCursor();
        await using var reader = await Open("data: {\"complete\":true}\n\ndata: {\"incomplete\":true}\n", cursor);

        Assert.Equal(EventStreamStatus.Message, await reader.MoveNextAsync(Timeout()));
        Assert.Equal(EventStreamStatus.Ended, await reader.MoveNextAsync(Timeout()));
    }

    public static TheoryData<Exception> Breaks => new()
    {
        new IOException("connection reset"),
        new HttpRequestException(HttpRequestError.ResponseEnded, "ended"),
    };

    [Theory]
    [MemberData(nameof(Breaks))]
    public async Task MoveNext_BodyThatThrows_IsBrokenNotThrownAndTheCursorKeepsItsPlace(Exception thrown)
    {
        using var cursor = new StreamCursor();
        var content = ScriptedBodyStream.Content("retry: 200\nid: 41\ndata: {}\n\nid: 42\ndata: {\"cut"u8.ToArray(), chunk: 5, failAtEnd: thrown, mediaType: EventStreamRequest.MediaType);
        await using var reader = await Open(content, cursor);

        Assert.Equal(EventStreamStatus.Message, await reader.MoveNextAsync(Timeout()));
        Assert.Equal(EventStreamStatus.Broken, await reader.MoveNextAsync(Timeout()));
        Assert.Equal("41", cursor.LastEventIdHeader);
        Assert.Equal(TimeSpan.FromMilliseconds(200), cursor.ServerRetry);
        Assert.True(reader.DeliveredMessage);
    }

    [Fact]
    public async Task MoveNext_LineOverTheParserLimit_IsAProtocolFailure()
    {
        using var cursor = new StreamCursor();
        var line = "data: " + new string('x', SseParserOptions.Default.MaxLineLength + 10) + "\n\n";
        await using var reader = await Open(line, cursor);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => reader.MoveNextAsync(Timeout()).AsTask());

        Assert.Equal(FailureShape.Protocol, failure.Shape);
        Assert.Equal(FailureKind.ProtocolError, failure.Kind);
        Assert.IsType<SseLimitExceededException>(failure.InnerException);
    }

    [Fact]
    public async Task MoveNext_CallerCancellation_IsAnOperationCanceledExceptionOnly()
    {
        var body = new ControlledBodyStream();
        using var cursor = new StreamCursor();
        using var cts = new CancellationTokenSource(Bound);
        await using var reader = await Open(new StreamContent(body), cursor);
        var move = reader.MoveNextAsync(cts.Token).AsTask();
        await body.WaitForBlockedReadsAsync(1, cts.Token);

        await cts.CancelAsync();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => move);
        Assert.IsNotType<TransportFailure>(ex);
    }

    [Fact]
    public async Task WasStable_AfterTheStableSpan_IsTrue()
    {
        var clock = new FakeTimeProvider();
        using var cursor = new StreamCursor();
        await using var reader = await Open(new StringContent(string.Empty), cursor, clock);

        Assert.False(reader.WasStable);
        clock.Advance(ReconnectPolicy.StableConnection - TimeSpan.FromMilliseconds(1));
        Assert.False(reader.WasStable);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(reader.WasStable);
    }

    [Fact]
    public async Task Dispose_DisposesTheResponseBody()
    {
        var body = new ScriptedBodyStream("data: {}\n\n"u8.ToArray());
        using var cursor = new StreamCursor();
        var reader = await Open(new StreamContent(body), cursor);
        Assert.Equal(EventStreamStatus.Message, await reader.MoveNextAsync(Timeout()));

        await reader.DisposeAsync();

        Assert.True(body.Disposed);
    }

    private static CancellationToken Timeout() => new CancellationTokenSource(Bound).Token;

    private static Task<EventStreamReader> Open(string body, StreamCursor cursor) =>
        Open(new StringContent(body, Encoding.UTF8, EventStreamRequest.MediaType), cursor);

    private static async Task<EventStreamReader> Open(HttpContent content, StreamCursor cursor, TimeProvider? clock = null)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
        return await EventStreamReader.OpenAsync(EngineResponses.Of(response), EngineResponses.Engine, cursor, new StreamOptions(), watchEvents: false, clock ?? new FakeTimeProvider(), null, CancellationToken.None);
    }
}
