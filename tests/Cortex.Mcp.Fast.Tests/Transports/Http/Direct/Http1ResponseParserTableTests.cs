using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.Tests.Transports.Http.Direct;

/// <summary>
/// A table of valid and hostile responses, each read whole, one byte at a time, and cut at pseudo-random points
/// (STYLE habit 9): every way of cutting must give the same outcome.
/// </summary>
public sealed class Http1ResponseParserTableTests
{
    private const string Ok = "HTTP/1.1 200 OK\r\n";

    public static IEnumerable<object[]> Valid()
    {
        yield return [ "content-length", Ok + "Content-Type: application/json; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello", Ok_(200, "ContentLength", 5, true, "hello", 0, Type: "application/json") ];
        yield return [ "zero length", Ok + "Content-Length: 0\r\n\r\n", Ok_(200, "ContentLength", 0, true, "", 0) ];
        yield return [ "chunked with extensions and trailers", Ok + "Transfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n6 ; x=\"y\"\r\n world\r\nA\r\n0123456789\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n", Ok_(200, "Chunked", -1, true, "hello world0123456789", 0) ];
        yield return [ "chunked uppercase hex and leading zeros", Ok + "transfer-encoding: CHUNKED\r\n\r\n000B\r\nhello world\r\n00\r\n\r\n", Ok_(200, "Chunked", -1, true, "hello world", 0) ];
        yield return [ "interim responses skipped", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + Ok + "Content-Length: 2\r\n\r\nok", Ok_(200, "ContentLength", 2, true, "ok", 0) ];
        yield return [ "http/1.0 close-delimited", "HTTP/1.0 200 OK\r\n\r\nabc", Ok_(200, "CloseDelimited", -1, false, "abc", 0, IsHttp10: true) ];
        yield return [ "http/1.1 without length", Ok + "Content-Type: text/event-stream\r\n\r\ndata: x\n\n", Ok_(200, "CloseDelimited", -1, false, "data: x\n\n", 0, Type: "text/event-stream") ];
        yield return [ "http/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nx", Ok_(200, "ContentLength", 1, true, "x", 0, IsHttp10: true) ];
        yield return [ "http/1.0 without keep-alive", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", Ok_(200, "ContentLength", 1, false, "x", 0, IsHttp10: true) ];
        yield return [ "connection close", Ok + "Connection: keep-alive, close\r\nContent-Length: 1\r\n\r\nx", Ok_(200, "ContentLength", 1, false, "x", 0) ];
        yield return [ "204 has no body", "HTTP/1.1 204 No Content\r\n\r\n", Ok_(204, "None", -1, true, "", 0) ];
        yield return [ "304 ignores its length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", Ok_(304, "None", 10, true, "", 0) ];
        yield return [ "identical lengths", Ok + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc", Ok_(200, "ContentLength", 3, true, "abc", 0) ];
        yield return [ "kept values", "HTTP/1.1 202\r\nMcp-Session-Id: s-1\r\nRetry-After: 7\r\nLocation: /x?y\r\nX-Other: caf\u00e9\r\nContent-Length: 0\r\n\r\n", Ok_(202, "ContentLength", 0, true, "", 0, Session: "s-1", Retry: "7", Location: "/x?y") ];
        yield return [ "bytes after the end", Ok + "Content-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", Ok_(200, "ContentLength", 2, true, "ok", 17) ];
        yield return [ "bytes after the last chunk", Ok + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nX", Ok_(200, "Chunked", -1, true, "", 1) ];
        yield return [ "other media type", Ok + "Content-Type: Text/Plain ; q=1\r\nContent-Length: 0\r\n\r\n", Ok_(200, "ContentLength", 0, true, "", 0, Type: "Text/Plain") ];
    }

    public static TheoryData<string, string, string> Hostile => new()
    {
        // name, response, expected error
        { "length and chunked", Ok + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "ContentLengthAndChunked" },
        { "chunked and length", Ok + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", "ContentLengthAndChunked" },
        { "length and chunked on 204", "HTTP/1.1 204 No\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n", "ContentLengthAndChunked" },
        { "differing lengths", Ok + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello", "InvalidContentLength" },
        { "length list", Ok + "Content-Length: 5, 5\r\n\r\nhello", "InvalidContentLength" },
        { "negative length", Ok + "Content-Length: -1\r\n\r\n", "InvalidContentLength" },
        { "signed length", Ok + "Content-Length: +5\r\n\r\nhello", "InvalidContentLength" },
        { "hex length", Ok + "Content-Length: 0x5\r\n\r\nhello", "InvalidContentLength" },
        { "empty length", Ok + "Content-Length:\r\n\r\n", "InvalidContentLength" },
        { "huge length", Ok + "Content-Length: 9999999999999999999\r\n\r\n", "InvalidContentLength" },
        { "gzip then chunked", Ok + "Transfer-Encoding: gzip, chunked\r\n\r\n", "UnsupportedTransferEncoding" },
        { "chunked then gzip", Ok + "Transfer-Encoding: chunked, gzip\r\n\r\n", "UnsupportedTransferEncoding" },
        { "identity", Ok + "Transfer-Encoding: identity\r\n\r\n", "UnsupportedTransferEncoding" },
        { "chunked twice", Ok + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "UnsupportedTransferEncoding" },
        { "chunked with junk", Ok + "Transfer-Encoding: xchunked\r\n\r\n", "UnsupportedTransferEncoding" },
        { "chunked on http/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "UnsupportedTransferEncoding" },
        { "folding", Ok + "X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n", "LineFolding" },
        { "space before colon", Ok + "Content-Length : 5\r\n\r\nhello", "InvalidHeader" },
        { "no colon", Ok + "Content-Length 5\r\n\r\nhello", "InvalidHeader" },
        { "empty name", Ok + ": x\r\n\r\n", "InvalidHeader" },
        { "nul in value", Ok + "X-A: a\0b\r\nContent-Length: 0\r\n\r\n", "InvalidHeader" },
        { "bare cr in value", Ok + "X-A: a\rb\r\nContent-Length: 0\r\n\r\n", "InvalidHeader" },
        { "bare lf", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", "BareLineEnding" },
        { "head starts with lf (fuzz)", "\n", "BareLineEnding" },
        { "lf right after an interim response (fuzz)", "HTTP/1.1 100 Continue\r\n\r\n\n", "BareLineEnding" },
        { "bare lf in headers", Ok + "X-A: 1\nContent-Length: 0\r\n\r\n", "BareLineEnding" },
        { "http/2", "HTTP/2 200 OK\r\n\r\n", "UnsupportedVersion" },
        { "http/1.2", "HTTP/1.2 200 OK\r\n\r\n", "UnsupportedVersion" },
        { "lowercase http", "http/1.1 200 OK\r\n\r\n", "InvalidStatusLine" },
        { "four digit status", "HTTP/1.1 2000 OK\r\n\r\n", "InvalidStatusLine" },
        { "short status", "HTTP/1.1 20 OK\r\n\r\n", "InvalidStatusLine" },
        { "status below 100", "HTTP/1.1 099 X\r\n\r\n", "InvalidStatusLine" },
        { "garbage", "NONSENSE\u0001\u0002 not an http status line\r\n\r\n", "InvalidStatusLine" },
        { "empty first line", "\r\nHTTP/1.1 200 OK\r\n\r\n", "InvalidStatusLine" },
        { "control in reason", "HTTP/1.1 200 O\u0001K\r\n\r\n", "InvalidStatusLine" },
        { "switching protocols", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "UnexpectedUpgrade" },
        { "too many interim", string.Concat(Enumerable.Repeat("HTTP/1.1 100 Continue\r\n\r\n", 9)) + Ok + "Content-Length: 0\r\n\r\n", "HeadTooLarge" },
        { "conflicting session ids", Ok + "Mcp-Session-Id: a\r\nMcp-Session-Id: b\r\n\r\n", "ConflictingHeader" },
        { "line too long", Ok + "X-A: " + new string('a', 9000) + "\r\n\r\n", "LineTooLong" },
        { "endless line", Ok + "X-A: " + new string('a', 9000), "LineTooLong" },
        { "too many headers", Ok + string.Concat(Enumerable.Range(0, 101).Select(i => $"X-{i}: v\r\n")) + "\r\n", "TooManyHeaders" },
        { "head too large", Ok + string.Concat(Enumerable.Range(0, 90).Select(i => $"X-{i}: {new string('v', 800)}\r\n")) + "\r\n", "HeadTooLarge" },
        { "truncated head", Ok + "Content-Length: 5\r\n", "UnexpectedEnd" },
        { "truncated body", Ok + "Content-Length: 5\r\n\r\nhel", "UnexpectedEnd" },
        { "empty response", "", "UnexpectedEnd" },
        { "bad hex", Ok + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", "InvalidChunkSize" },
        { "negative chunk", Ok + "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", "InvalidChunkSize" },
        { "empty chunk size", Ok + "Transfer-Encoding: chunked\r\n\r\n\r\n", "InvalidChunkSize" },
        { "chunk size overflow", Ok + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", "InvalidChunkSize" },
        { "chunk size junk after space", Ok + "Transfer-Encoding: chunked\r\n\r\n5 5\r\nhello\r\n0\r\n\r\n", "InvalidChunkSize" },
        { "bare lf after size", Ok + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", "InvalidChunkSize" },
        { "control in extension", Ok + "Transfer-Encoding: chunked\r\n\r\n5;a\0\r\nhello\r\n0\r\n\r\n", "InvalidChunkSize" },
        { "extension too long", Ok + "Transfer-Encoding: chunked\r\n\r\n5;" + new string('e', 5000) + "\r\nhello\r\n0\r\n\r\n", "LineTooLong" },
        { "chunk longer than said", Ok + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello!\r\n0\r\n\r\n", "InvalidChunkTerminator" },
        { "chunk without crlf", Ok + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", "InvalidChunkTerminator" },
        { "trailer bare lf", Ok + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n", "InvalidTrailer" },
        { "trailer too large", Ok + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: " + new string('t', 17000) + "\r\n\r\n", "InvalidTrailer" },
        { "no last chunk", Ok + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", "UnexpectedEnd" },
        { "no final crlf", Ok + "Transfer-Encoding: chunked\r\n\r\n0\r\n", "UnexpectedEnd" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Read_ValidResponse_SameOutcomeHoweverCut(string name, string response, Http1Outcome expected)
    {
        _ = name;
        Assert.Equal(expected, AssertSameHoweverCut(response, requestWasHead: false));
    }

    private static Http1Outcome Ok_(
        int status, string framing, long length, bool keepAlive, string body, int trailing,
        string? Type = null, string? Session = null, string? Retry = null, string? Location = null, bool IsHttp10 = false) =>
        new(status, IsHttp10, framing, length, keepAlive, Type, Session, Retry, Location, body, trailing, null);

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Read_HostileResponse_RefusedHoweverCut(string name, string response, string expected)
    {
        _ = name;
        Http1Outcome outcome = AssertSameHoweverCut(response, requestWasHead: false);
        Assert.Equal(expected, outcome.Error);
    }

    [Fact]
    public void Read_ResponseToHead_HasNoBodyWhateverItsLength()
    {
        Http1Outcome outcome = AssertSameHoweverCut(Ok + "Content-Length: 10\r\n\r\n", requestWasHead: true);
        Assert.Equal("None", outcome.Framing);
        Assert.True(outcome.KeepAlive);
        Assert.Equal(0, outcome.TrailingBytes);
    }

    [Fact]
    public void Read_SmallerLimits_Enforced()
    {
        var limits = new Http1Limits { MaxHeaderCount = 2, MaxLineLength = 40, MaxHeadSize = 200 };
        Assert.Equal("TooManyHeaders", Read(Ok + "A: 1\r\nB: 2\r\nC: 3\r\n\r\n", limits).Error);
        Assert.Null(Read(Ok + "A: 1\r\nB: 2\r\n\r\n", limits).Error);
        Assert.Equal("LineTooLong", Read(Ok + "A: " + new string('x', 38) + "\r\n\r\n", limits).Error);
        Assert.Null(Read(Ok + "A: " + new string('x', 37) + "\r\n\r\n", limits).Error);
    }

    private static Http1Outcome Read(string response, Http1Limits limits) =>
        Http1TestInput.Read([Http1TestInput.Ascii(response)], limits: limits);

    /// <summary>Reads whole, one byte at a time, and cut at 20 pseudo-random sets of points; returns the one outcome.</summary>
    internal static Http1Outcome AssertSameHoweverCut(string response, bool requestWasHead)
    {
        byte[] bytes = Http1TestInput.Ascii(response);
        Http1Outcome whole = Http1TestInput.Read(bytes.Length == 0 ? [] : [bytes], requestWasHead);
        Assert.Equal(whole, Http1TestInput.Read(Http1TestInput.OneByteAtATime(bytes), requestWasHead));
        var random = new Random(bytes.Length);
        for (int round = 0; round < 20; round++)
        {
            int[] cuts = Enumerable.Range(0, random.Next(1, 8)).Select(_ => random.Next()).ToArray();
            Assert.Equal(whole, Http1TestInput.Read(Http1TestInput.CutAt(bytes, cuts), requestWasHead));
        }

        return whole;
    }
}
