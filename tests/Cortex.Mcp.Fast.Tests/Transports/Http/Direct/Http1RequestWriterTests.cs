using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.Tests.Transports.Http.Direct;

public sealed class Http1RequestWriterTests
{
    private static readonly PreEncodedRequest s_post = new("POST", "/mcp?x=1", "127.0.0.1:5000",
    [
        new("Content-Type", "application/json"),
        new("Accept", "application/json, text/event-stream"),
    ]);

    [Fact]
    public void Write_PostWithEveryHeader_ExactBytes()
    {
        var writer = new ArrayBufferWriter<byte>();
        var headers = new HttpRequestFields
        {
            Authorization = "Bearer abc.def",
            SessionId = "s-1",
            ProtocolVersion = "2025-06-18",
            LastEventId = "42",
        };

        Http1RequestWriter.Write(writer, s_post, headers, "{\"a\":1}"u8);

        Assert.Equal(
            "POST /mcp?x=1 HTTP/1.1\r\nHost: 127.0.0.1:5000\r\nContent-Type: application/json\r\n" +
            "Accept: application/json, text/event-stream\r\nAuthorization: Bearer abc.def\r\nMcp-Session-Id: s-1\r\n" +
            "MCP-Protocol-Version: 2025-06-18\r\nLast-Event-ID: 42\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
            Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void Write_PostWithoutBodyOrVariableHeaders_SendsContentLengthZero()
    {
        var writer = new ArrayBufferWriter<byte>();
        Http1RequestWriter.Write(writer, new PreEncodedRequest("POST", "/tool/echo", "h"), default, ReadOnlySpan<byte>.Empty);
        Assert.Equal("POST /tool/echo HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void Write_Get_NoContentLength()
    {
        var writer = new ArrayBufferWriter<byte>();
        var get = new PreEncodedRequest("GET", "/mcp", "h", [new("Accept", "text/event-stream")]);
        Http1RequestWriter.Write(writer, get, new HttpRequestFields { LastEventId = "7" }, ReadOnlySpan<byte>.Empty);
        Assert.Equal("GET /mcp HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\nLast-Event-ID: 7\r\n\r\n", Encoding.ASCII.GetString(writer.WrittenSpan));
        Assert.False(get.IsHead);
        Assert.True(new PreEncodedRequest("HEAD", "/", "h").IsHead);
    }

    [Fact]
    public void Write_GetWithBody_Refused()
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() =>
            Http1RequestWriter.Write(writer, new PreEncodedRequest("GET", "/", "h"), default, "x"u8));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void Write_SequenceBody_IntoPipe_ExactBytes()
    {
        var pipe = new Pipe();
        ReadOnlySequence<byte> body = Http1TestInput.Segmented([Encoding.ASCII.GetBytes("{\"a\""), Encoding.ASCII.GetBytes(":1}")]);
        Http1RequestWriter.Write(pipe.Writer, s_post, new HttpRequestFields { SessionId = "s" }, body);
        pipe.Writer.Complete();
        Assert.True(pipe.Reader.TryRead(out ReadResult result));
        Assert.Equal(
            "POST /mcp?x=1 HTTP/1.1\r\nHost: 127.0.0.1:5000\r\nContent-Type: application/json\r\n" +
            "Accept: application/json, text/event-stream\r\nMcp-Session-Id: s\r\nContent-Length: 7\r\n\r\n{\"a\":1}",
            Encoding.ASCII.GetString(result.Buffer));
        pipe.Reader.Complete();
    }

    [Theory]
    [InlineData("a\r\nX-Evil: 1")]
    [InlineData("a\nb")]
    [InlineData("a\rb")]
    [InlineData("a\0b")]
    [InlineData("caf\u00e9")]
    [InlineData("\u0001")]
    [InlineData("a\u007Fb")]
    public void Write_InjectedValue_RefusedBeforeAnyByte(string value)
    {
        HttpRequestFields[] cases =
        [
            new() { Authorization = value },
            new() { SessionId = value },
            new() { ProtocolVersion = value },
            new() { McpMethod = value },
            new() { McpName = value },
        ];

        // Last-Event-ID may carry any UTF-8 id (WHATWG), so only controls are refused there.
        HttpRequestFields[] withControls = value.Any(char.IsControl) ? [new() { LastEventId = value }] : [];
        foreach (HttpRequestFields headers in cases.Concat(withControls))
        {
            var writer = new ArrayBufferWriter<byte>();
            ArgumentException ex = Assert.Throws<ArgumentException>(() => Http1RequestWriter.Write(writer, s_post, headers, "{}"u8));
            Assert.Equal(0, writer.WrittenCount);
            Assert.DoesNotContain(value, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Write_NonAsciiLastEventId_GoesOutAsUtf8()
    {
        var writer = new ArrayBufferWriter<byte>();

        Http1RequestWriter.Write(writer, s_post, new HttpRequestFields { LastEventId = "caf\u00e9-1", McpMethod = "tools/call", McpName = "echo" }, "{}"u8);

        string text = Encoding.UTF8.GetString(writer.WrittenSpan);
        Assert.Contains("\r\nLast-Event-ID: caf\u00e9-1\r\n", text, StringComparison.Ordinal);
        Assert.Contains("\r\nMcp-Method: tools/call\r\nMcp-Name: echo\r\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void PreEncodedRequest_InvalidParts_Refused()
    {
        Assert.Throws<ArgumentException>(() => new PreEncodedRequest("PO ST", "/", "h"));
        Assert.Throws<ArgumentException>(() => new PreEncodedRequest("POST", "/a b", "h"));
        Assert.Throws<ArgumentException>(() => new PreEncodedRequest("POST", "/a\r\nX: 1", "h"));
        Assert.Throws<ArgumentException>(() => new PreEncodedRequest("POST", "http://h/", "h"));
        Assert.Throws<ArgumentException>(() => new PreEncodedRequest("POST", "/", "h\r\nX: 1"));
        Assert.Throws<ArgumentException>(() => new PreEncodedRequest("POST", "/", "h", [new("X Y", "v")]));
        Assert.Throws<ArgumentException>(() => new PreEncodedRequest("POST", "/", "h", [new("X", "v\r\nY: 1")]));
        Assert.Throws<ArgumentException>(() => new PreEncodedRequest("POST", "/", "h", [new("content-length", "5")]));
        Assert.Throws<ArgumentException>(() => new PreEncodedRequest("POST", "/", "h", [new("Transfer-Encoding", "chunked")]));
        Assert.Throws<ArgumentException>(() => new PreEncodedRequest("POST", "/", "h", [new("Host", "other")]));
    }

    [Fact]
    public void Write_Repeated_AllocatesNothing()
    {
        var writer = new ArrayBufferWriter<byte>(4096);
        var headers = new HttpRequestFields { Authorization = "Bearer t", SessionId = "s", ProtocolVersion = "2025-06-18" };
        byte[] body = new byte[100];
        Http1RequestWriter.Write(writer, s_post, headers, body);
        writer.ResetWrittenCount();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Http1RequestWriter.Write(writer, s_post, headers, body);
            writer.ResetWrittenCount();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
