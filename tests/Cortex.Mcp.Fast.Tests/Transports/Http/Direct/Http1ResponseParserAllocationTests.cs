using System.Buffers;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.Tests.Transports.Http.Direct;

/// <summary>Skipped headers, the common media types, a repeated session id and chunk framing cost no allocation.</summary>
public sealed class Http1ResponseParserAllocationTests
{
    private static readonly byte[] s_response = Http1TestInput.Ascii(
        "HTTP/1.1 200 OK\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nServer: Kestrel\r\nContent-Type: text/event-stream\r\n" +
        "Cache-Control: no-cache,no-store\r\nMcp-Session-Id: 0f6c2e4a-9b1d-4c8e-a1f3-3b2d5e7f9a01\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "19;x=y\r\nevent: message\ndata: {}\n\n\r\n0\r\nX-T: 1\r\n\r\n");

    [Fact]
    public void Parse_RepeatedResponse_AllocatesNothing()
    {
        var head = new Http1ResponseHead();
        Assert.Equal(25, Parse(head));
        long before = GC.GetAllocatedBytesForCurrentThread();
        long total = 0;
        for (int i = 0; i < 100; i++)
        {
            total += Parse(head);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(2500, total);
        Assert.Same(Http1ResponseHead.TextEventStream, head.ContentType);
    }

    private static long Parse(Http1ResponseHead head)
    {
        head.Reset();
        var state = default(Http1HeadScanState);
        var input = new ReadOnlySequence<byte>(s_response);
        var parser = new Http1ResponseParser(ref state, Http1Limits.Default);
        if (!parser.TryParse(input, requestWasHead: false, head, out SequencePosition consumed, out _))
        {
            return -1;
        }

        var decoder = new ChunkedBodyDecoder(Http1Limits.Default);
        ReadOnlySequence<byte> rest = input.Slice(consumed);
        long data = 0;
        while (true)
        {
            ChunkedDecodeResult result = decoder.Decode(rest, out ReadOnlySequence<byte> piece, out SequencePosition next);
            data += piece.Length;
            rest = rest.Slice(next);
            if (result == ChunkedDecodeResult.Completed)
            {
                break;
            }
        }

        return rest.IsEmpty ? data : -1;
    }
}
