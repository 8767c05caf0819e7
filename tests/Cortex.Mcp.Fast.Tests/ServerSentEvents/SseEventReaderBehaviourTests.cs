using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Tests.ServerSentEvents;

/// <summary>The reader's contract beyond the format: sources, ownership, lifetime, cancellation.</summary>
public sealed class SseEventReaderBehaviourTests
{
    [Fact]
    public void MoveNext_OnPipeSource_ThrowsInvalidOperation()
    {
        var pipe = new Pipe();
        using var reader = new SseEventReader(pipe.Reader);

        Assert.Throws<InvalidOperationException>(() => reader.MoveNext());
    }

    [Fact]
    public async Task MoveNextAsync_OnSequenceSource_ThrowsInvalidOperation()
    {
        using var reader = new SseEventReader(new ReadOnlySequence<byte>("data: a\n\n"u8.ToArray()));

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await reader.MoveNextAsync());
    }

    [Fact]
    public void Constructor_NullPipeReader_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => new SseEventReader((PipeReader)null!));
    }

    [Fact]
    public void Current_BeforeMoveOrAfterEnd_ThrowsInvalidOperation()
    {
        using var reader = new SseEventReader(new ReadOnlySequence<byte>("data: a\n\n"u8.ToArray()));

        Assert.Throws<InvalidOperationException>(() => { _ = reader.Current.Data.Length; });
        Assert.True(reader.MoveNext());
        Assert.Equal("a"u8, reader.Current.Data);
        Assert.False(reader.MoveNext());
        Assert.Throws<InvalidOperationException>(() => { _ = reader.Current.Data.Length; });
        Assert.False(reader.MoveNext());
    }

    [Fact]
    public void MoveNext_AfterDispose_ThrowsObjectDisposed()
    {
        var reader = new SseEventReader(new ReadOnlySequence<byte>("data: a\n\n"u8.ToArray()));
        Assert.True(reader.MoveNext());

        reader.Dispose();
        reader.Dispose();

        Assert.Throws<ObjectDisposedException>(() => reader.MoveNext());
        Assert.Throws<ObjectDisposedException>(() => { _ = reader.Current.Data.Length; });
    }

    [Fact]
    public void Current_TypeAndIdAreCopies_SingleDataLineIsAViewOfTheInput()
    {
        byte[] body = "event: e\nid: 1\ndata: abc\n\ndata: x\ndata: y\n\n"u8.ToArray();
        using var reader = new SseEventReader(new ReadOnlySequence<byte>(body));
        Assert.True(reader.MoveNext());

        body.AsSpan(0, 24).Fill((byte)'x');

        SseEvent current = reader.Current;
        Assert.Equal("xxx", current.GetDataString());
        Assert.Equal("e", current.GetEventTypeString());
        Assert.Equal("1", current.GetIdString());
        Assert.True(reader.MoveNext());
        Assert.Equal("x\ny", reader.Current.GetDataString());
    }

    [Fact]
    public async Task MoveNextAsync_DataLineAndBlankLineInSeparateReads_CopiesDataBeforeHandingTheReadBack()
    {
        // The pool scribbles over memory the pipe returns, so a view kept past AdvanceTo would read garbage.
        var pipe = new Pipe(new PipeOptions(pool: new ScribblingPool(), minimumSegmentSize: 64, useSynchronizationContext: false));
        using var reader = new SseEventReader(pipe.Reader);

        await pipe.Writer.WriteAsync("id: 1\ndata: first-line-of-event\n"u8.ToArray());
        ValueTask<bool> move = reader.MoveNextAsync();
        Assert.False(move.IsCompleted);
        // A filler line (200 NULs: an unknown field) pushes the reader past the data line's segment, which goes back to the pool.
        await pipe.Writer.WriteAsync(new byte[200]);
        await pipe.Writer.WriteAsync("\n\n"u8.ToArray());

        Assert.True(await move);
        Assert.Equal("first-line-of-event", reader.Current.GetDataString());
    }

    [Fact]
    public async Task Dispose_MidStream_LeavesPipeUncompletedWithUnreadBytes()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("data: a\n\ndata: b\n\n"u8.ToArray());
        var reader = new SseEventReader(pipe.Reader);
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal("a", reader.Current.GetDataString());

        reader.Dispose();

        // The owner's next read returns the rest at once, and the pipe still accepts writes (not completed).
        ReadResult rest = await pipe.Reader.ReadAsync();
        Assert.Equal("data: b\n\n", Encoding.UTF8.GetString(rest.Buffer));
        Assert.False(rest.IsCompleted);
        pipe.Reader.AdvanceTo(rest.Buffer.End);
        FlushResult flush = await pipe.Writer.WriteAsync("data: c\n\n"u8.ToArray());
        Assert.False(flush.IsCompleted);
    }

    [Fact]
    public async Task MoveNextAsync_EndOfStream_DoesNotCompleteThePipeReader()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("data: a\n\n"u8.ToArray());
        await pipe.Writer.CompleteAsync();
        using var reader = new SseEventReader(pipe.Reader);

        Assert.True(await reader.MoveNextAsync());
        Assert.False(await reader.MoveNextAsync());

        // Still readable by its owner (a completed reader would throw here).
        ReadResult result = await pipe.Reader.ReadAsync();
        Assert.True(result.IsCompleted);
        Assert.True(result.Buffer.IsEmpty);
        pipe.Reader.AdvanceTo(result.Buffer.End);
    }

    [Fact]
    public async Task MoveNextAsync_WaitingForDataThenEvent_CompletesWhenDataArrives()
    {
        var pipe = new Pipe();
        using var reader = new SseEventReader(pipe.Reader);

        ValueTask<bool> move = reader.MoveNextAsync();
        Assert.False(move.IsCompleted);
        await pipe.Writer.WriteAsync("data: late\r"u8.ToArray());
        Assert.False(move.IsCompleted);
        await pipe.Writer.WriteAsync("\r\n"u8.ToArray());

        Assert.True(await move);
        Assert.Equal("late", reader.Current.GetDataString());
    }

    [Fact]
    public async Task MoveNextAsync_TokenCanceledWhileWaiting_ThrowsOperationCanceled()
    {
        var pipe = new Pipe();
        using var reader = new SseEventReader(pipe.Reader);
        using var cts = new CancellationTokenSource();

        ValueTask<bool> move = reader.MoveNextAsync(cts.Token);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await move);
    }

    [Fact]
    public async Task MoveNextAsync_TokenAlreadyCanceled_ThrowsOperationCanceled()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("data: a\n\n"u8.ToArray());
        using var reader = new SseEventReader(pipe.Reader);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.MoveNextAsync(new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task MoveNextAsync_PendingReadCanceled_ThrowsOperationCanceledAndKeepsData()
    {
        var pipe = new Pipe();
        using var reader = new SseEventReader(pipe.Reader);

        ValueTask<bool> move = reader.MoveNextAsync();
        pipe.Reader.CancelPendingRead();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await move);
        await pipe.Writer.WriteAsync("data: a\n\n"u8.ToArray());
        Assert.True(await reader.MoveNextAsync());
        Assert.Equal("a", reader.Current.GetDataString());
    }

    [Fact]
    public void Options_ChangedAfterCreate_DoNotAffectTheReader()
    {
        var options = new SseParserOptions { MaxLineLength = 100 };
        using var reader = new SseEventReader(new ReadOnlySequence<byte>("data: 0123456789\n\n"u8.ToArray()), options);

        options.MaxLineLength = 4;

        Assert.True(reader.MoveNext());
    }

    [Fact]
    public void GetEventTypeString_DefaultType_ReturnsCachedString()
    {
        using var reader = new SseEventReader(new ReadOnlySequence<byte>("data: a\n\nevent: message\ndata: b\n\n"u8.ToArray()));

        Assert.True(reader.MoveNext());
        string first = reader.Current.GetEventTypeString();
        Assert.True(reader.MoveNext());

        Assert.Same(first, reader.Current.GetEventTypeString());
        Assert.Equal("message", first);
    }

    /// <summary>A memory pool that overwrites every block when it is returned.</summary>
    private sealed class ScribblingPool : MemoryPool<byte>
    {
        public override int MaxBufferSize => 4096;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => new Owner(new byte[Math.Max(minBufferSize, 64)]);

        protected override void Dispose(bool disposing)
        {
        }

        private sealed class Owner(byte[] array) : IMemoryOwner<byte>
        {
            public Memory<byte> Memory => array;

            public void Dispose() => array.AsSpan().Fill((byte)'#');
        }
    }

    [Fact]
    public void LastEventId_BlockWithoutData_UpdatesBeforeNextEvent()
    {
        using var reader = new SseEventReader(new ReadOnlySequence<byte>("id: 1\ndata: a\n\nid: 2\n\nid: 3\ndata: b\n"u8.ToArray()));

        Assert.True(reader.MoveNext());
        Assert.Equal("1"u8, reader.LastEventId);
        Assert.False(reader.MoveNext());

        // The id-only block committed "2"; the unfinished block's "3" was discarded with it.
        Assert.Equal("2"u8, reader.LastEventId);
    }
}
