using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Tests.ServerSentEvents;

/// <summary>
/// One example per rule of the WHATWG event-stream format, each run over every line ending (CR, LF, CRLF), every
/// chunking (whole, one byte, random) and every source (sequence, stream pipe, pipe writer). The examples are
/// written with LF; the harness rewrites the line endings.
/// </summary>
public sealed class SseEventReaderRuleTests
{
    public static TheoryData<SseNewline, SseChunking, SseSourceKind> Matrix => SseTestHarness.Matrix();

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_SingleDataLine_DispatchesMessageEvent(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("data: hello\n\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "hello", "")], result.Events);
        Assert.Equal("", result.LastEventId);
        Assert.Null(result.ReconnectionInterval);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_LeadingBom_IsStripped(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("\uFEFFdata: a\n\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "a", "")], result.Events);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_SecondBom_IsPartOfFieldName(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        // Only one leading BOM is stripped: the second makes the field name "\uFEFFdata", an unknown field.
        SseParseResult result = await SseTestHarness.ParseAsync("\uFEFF\uFEFFdata: a\n\ndata: b\n\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "b", "")], result.Events);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_BomLaterInStream_IsKept(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("data: a\n\ndata: \uFEFFb\n\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "a", ""), new SseTestEvent("message", "\uFEFFb", "")], result.Events);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_CommentLines_AreIgnored(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync(": keepalive\n\n:\ndata: a\n: data: b\n\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "a", "")], result.Events);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_FieldWithoutColon_HasEmptyValue(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("data\n\ndata\ndata\n\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "", ""), new SseTestEvent("message", "\n", "")], result.Events);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_ValueSpaces_OnlyOneLeadingSpaceStripped(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync(
            "data:a\n\ndata: b\n\ndata:  c \n\ndata: \n\ndata:d:e: f\n\n", newline, chunking, source);

        Assert.Equal(
            ["a", "b", " c ", "", "d:e: f"],
            result.Events.Select(e => e.Data));
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_SeveralDataLines_JoinedWithLf(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync(
            "data: a\ndata: b\ndata:\ndata: c\n\ndata:\ndata:\n\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "a\nb\n\nc", ""), new SseTestEvent("message", "\n", "")], result.Events);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_EventField_SetsTypeAndResetsAfterDispatch(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync(
            "event: add\ndata: 1\n\ndata: 2\n\nevent: x\nevent:\ndata: 3\n\nevent: dropped\n\ndata: 4\n\n", newline, chunking, source);

        Assert.Equal(
            [
                new SseTestEvent("add", "1", ""),
                new SseTestEvent("message", "2", ""),
                new SseTestEvent("message", "3", ""),
                new SseTestEvent("message", "4", ""),
            ],
            result.Events);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_IdField_IsStickyAcrossEvents(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\n", newline, chunking, source);

        Assert.Equal(
            [new SseTestEvent("message", "a", "1"), new SseTestEvent("message", "b", "1"), new SseTestEvent("message", "c", "2")],
            result.Events);
        Assert.Equal("2", result.LastEventId);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_EmptyId_ResetsLastEventId(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("id: 1\ndata: a\n\nid\ndata: b\n\nid: 3\ndata: c\n\nid:\ndata: d\n\n", newline, chunking, source);

        Assert.Equal(["1", "", "3", ""], result.Events.Select(e => e.Id));
        Assert.Equal("", result.LastEventId);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_IdWithNul_IsIgnored(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n", newline, chunking, source);

        Assert.Equal(["1", "1"], result.Events.Select(e => e.Id));
        Assert.Equal("1", result.LastEventId);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_BlockWithoutData_DispatchesNothingButUpdatesLastEventId(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("id: 7\nevent: ping\n\ndata: a\n\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "a", "7")], result.Events);
        Assert.Equal("7", result.LastEventId);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_PrimingEvent_IsReportedWithEmptyDataAndId(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        // The MCP 2025-11-25 priming event: an id and an empty data line.
        SseParseResult result = await SseTestHarness.ParseAsync(
            "id: b86b4dfa\ndata: \n\nevent: message\nid: c1\ndata: {\"id\":1}\n\n", newline, chunking, source);

        Assert.Equal(
            [new SseTestEvent("message", "", "b86b4dfa"), new SseTestEvent("message", "{\"id\":1}", "c1")],
            result.Events);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_RetryDigits_SetsReconnectionInterval(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("retry: 1500\n\n", newline, chunking, source);

        Assert.Empty(result.Events);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), result.ReconnectionInterval);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_RetryNotAllDigits_IsIgnored(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync(
            "retry: 250\nretry: 15a\nretry: -1\nretry:\nretry:  7\nretry: 1.5\nretry: 99999999999999999999x\ndata: x\n\n",
            newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "x", "")], result.Events);
        Assert.Equal(TimeSpan.FromMilliseconds(250), result.ReconnectionInterval);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_RetryZeroAndLargestValue_AreAccepted(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult zero = await SseTestHarness.ParseAsync("retry: 0\n", newline, chunking, source);
        SseParseResult largest = await SseTestHarness.ParseAsync("retry: 922337203685477\n", newline, chunking, source);

        Assert.Equal(TimeSpan.Zero, zero.ReconnectionInterval);
        Assert.Equal(TimeSpan.FromTicks(922337203685477 * TimeSpan.TicksPerMillisecond), largest.ReconnectionInterval);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_UnknownOrMiscasedFields_AreIgnored(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync(
            "foo: bar\nData: no\nEVENT: no\nID: no\ndata : no\ndatas: no\ndata: yes\n\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "yes", "")], result.Events);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_PendingEventAtEndOfStream_IsDiscarded(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("id: 1\ndata: a\n\nid: 2\ndata: b\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("message", "a", "1")], result.Events);
        Assert.Equal("1", result.LastEventId);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_LastLineWithoutLineEnding_IsDiscarded(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync("data: a\n\ndata: b\n\ndata: c", newline, chunking, source);

        Assert.Equal(["a", "b"], result.Events.Select(e => e.Data));
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_EmptyOrBlankStream_ReturnsFalse(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult empty = await SseTestHarness.ParseAsync("", newline, chunking, source);
        SseParseResult blanks = await SseTestHarness.ParseAsync("\n\n\n\uFEFF\n", newline, chunking, source);

        Assert.Empty(empty.Events);
        Assert.Empty(blanks.Events);
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task MoveNext_MultiByteUtf8_IsKeptWhole(SseNewline newline, SseChunking chunking, SseSourceKind source)
    {
        SseParseResult result = await SseTestHarness.ParseAsync(
            "event: ünï\nid: 日本\ndata: héllo 🌍 世界\n\n", newline, chunking, source);

        Assert.Equal([new SseTestEvent("ünï", "héllo 🌍 世界", "日本")], result.Events);
    }

    [Theory]
    [MemberData(nameof(SseTestHarness.SourceMatrix), MemberType = typeof(SseTestHarness))]
    public async Task MoveNext_MixedLineEndings_AreAllRecognised(SseChunking chunking, SseSourceKind source)
    {
        // LF, CR and CRLF in one stream, including a CR directly followed by a blank CRLF line ("\r\r\n").
        SseParseResult result = await SseTestHarness.ParseChunksAsync(
            SseTestHarness.Cut("data: a\rdata: b\r\n\rdata: c\n\r\ndata: d\r\r\n"u8.ToArray(), chunking), source);

        Assert.Equal(["a\nb", "c", "d"], result.Events.Select(e => e.Data));
    }
}
