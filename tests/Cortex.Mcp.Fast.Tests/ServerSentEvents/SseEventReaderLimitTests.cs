using System.IO.Pipelines;
using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Tests.ServerSentEvents;

/// <summary>The hard limits: a value at the limit passes, one byte more throws, and memory stays bounded.</summary>
public sealed class SseEventReaderLimitTests
{
    public static TheoryData<SseChunking, SseSourceKind> Sources => SseTestHarness.SourceMatrix();

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MoveNext_LineAtLimit_IsAccepted(SseChunking chunking, SseSourceKind source)
    {
        var options = new SseParserOptions { MaxLineLength = 16 };

        SseParseResult result = await Parse("data: 0123456789\n\n", chunking, source, options);

        Assert.Equal("0123456789", Assert.Single(result.Events).Data);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MoveNext_LineOverLimit_ThrowsLineLimit(SseChunking chunking, SseSourceKind source)
    {
        var options = new SseParserOptions { MaxLineLength = 16 };

        var ex = await Assert.ThrowsAsync<SseLimitExceededException>(() => Parse("data: 0123456789A\n\n", chunking, source, options));

        Assert.Equal(SseLimit.Line, ex.Limit);
        Assert.Equal(16, ex.LimitValue);
        Assert.Equal("A server-sent event line exceeded the limit of 16 bytes.", ex.Message);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MoveNext_LongCommentLine_ThrowsLineLimit(SseChunking chunking, SseSourceKind source)
    {
        var options = new SseParserOptions { MaxLineLength = 8 };

        var ex = await Assert.ThrowsAsync<SseLimitExceededException>(() => Parse(": 1234567\n\ndata: a\n\n", chunking, source, options));

        Assert.Equal(SseLimit.Line, ex.Limit);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MoveNext_EventDataAtLimit_IsAccepted(SseChunking chunking, SseSourceKind source)
    {
        // 5 + LF + 4 = 10 joined bytes.
        var options = new SseParserOptions { MaxEventSize = 10 };

        SseParseResult result = await Parse("data: 12345\ndata: 1234\n\ndata: 0123456789\n\n", chunking, source, options);

        Assert.Equal(["12345\n1234", "0123456789"], result.Events.Select(e => e.Data));
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MoveNext_EventDataOverLimit_ThrowsEventLimit(SseChunking chunking, SseSourceKind source)
    {
        var options = new SseParserOptions { MaxEventSize = 10 };

        var ex = await Assert.ThrowsAsync<SseLimitExceededException>(() => Parse("data: 12345\ndata: 12345\n\n", chunking, source, options));

        Assert.Equal(SseLimit.Event, ex.Limit);
        Assert.Equal(10, ex.LimitValue);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MoveNext_ManyEmptyDataLinesOverLimit_ThrowsEventLimit(SseChunking chunking, SseSourceKind source)
    {
        // Empty data lines still grow the event by their LF separators.
        var options = new SseParserOptions { MaxEventSize = 3 };

        var ex = await Assert.ThrowsAsync<SseLimitExceededException>(() => Parse("data\ndata\ndata\ndata\ndata\n\n", chunking, source, options));

        Assert.Equal(SseLimit.Event, ex.Limit);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MoveNext_IdAtLimit_IsAccepted(SseChunking chunking, SseSourceKind source)
    {
        var options = new SseParserOptions { MaxIdLength = 4 };

        SseParseResult result = await Parse("id: 1234\ndata: a\n\n", chunking, source, options);

        Assert.Equal("1234", Assert.Single(result.Events).Id);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task MoveNext_IdOverLimit_ThrowsIdLimit(SseChunking chunking, SseSourceKind source)
    {
        var options = new SseParserOptions { MaxIdLength = 4 };

        var ex = await Assert.ThrowsAsync<SseLimitExceededException>(() => Parse("id: 12345\ndata: a\n\n", chunking, source, options));

        Assert.Equal(SseLimit.Id, ex.Limit);
        Assert.Equal(4, ex.LimitValue);
    }

    [Fact]
    public async Task MoveNextAsync_EndlessLineWithoutNewline_ThrowsBeforeReadingFarPastLimit()
    {
        const int Limit = 64 * 1024;
        var stream = new EndlessStream(maxBytes: 64L * 1024 * 1024);
        PipeReader pipe = PipeReader.Create(stream);
        using var reader = new SseEventReader(pipe, new SseParserOptions { MaxLineLength = Limit });

        var ex = await Assert.ThrowsAsync<SseLimitExceededException>(async () => await reader.MoveNextAsync());

        Assert.Equal(SseLimit.Line, ex.Limit);
        Assert.InRange(stream.BytesRead, Limit, Limit + (64 * 1024));
        await pipe.CompleteAsync();
    }

    [Fact]
    public void MoveNext_EndlessLineInSequence_ThrowsWithDefaultLimit()
    {
        byte[] body = new byte[(SseParserOptions.Default.MaxLineLength * 2) + 10];
        body.AsSpan().Fill((byte)'a');
        using var reader = new SseEventReader(SseTestHarness.ToSequence(SseTestHarness.Cut(body, SseChunking.Whole)));

        var ex = Assert.Throws<SseLimitExceededException>(() => reader.MoveNext());

        Assert.Equal(SseLimit.Line, ex.Limit);
        Assert.Equal(1024 * 1024, ex.LimitValue);
    }

    [Fact]
    public void MoveNext_AfterLimitExceeded_ReturnsFalse()
    {
        var options = new SseParserOptions { MaxIdLength = 1 };
        using var reader = new SseEventReader(SseTestHarness.ToSequence(["id: 12\n\ndata: a\n\n"u8.ToArray()]), options);

        Assert.Throws<SseLimitExceededException>(() => reader.MoveNext());

        Assert.False(reader.MoveNext());
    }

    [Fact]
    public async Task MoveNextAsync_AfterLimitExceeded_HandsThePipeBackToItsOwner()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync("data: a\n\nid: 12\n\ndata: b\n\n"u8.ToArray());
        using var reader = new SseEventReader(pipe.Reader, new SseParserOptions { MaxIdLength = 1 });

        Assert.True(await reader.MoveNextAsync());
        await Assert.ThrowsAsync<SseLimitExceededException>(async () => await reader.MoveNextAsync());

        // No read is left open: the owner can read the pipe again.
        Assert.True(pipe.Reader.TryRead(out ReadResult rest));
        pipe.Reader.AdvanceTo(rest.Buffer.End);
        Assert.False(await reader.MoveNextAsync());
    }

    private static Task<SseParseResult> Parse(string text, SseChunking chunking, SseSourceKind source, SseParserOptions options) =>
        SseTestHarness.ParseAsync(text, SseNewline.Lf, chunking, source, options);

    /// <summary>A server that sends one endless line: 'a' forever (up to a safety cap so a broken reader fails, not hangs).</summary>
    private sealed class EndlessStream(long maxBytes) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, maxBytes - BytesRead);
            buffer[..n].Fill((byte)'a');
            BytesRead += n;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(Read(buffer.Span));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
