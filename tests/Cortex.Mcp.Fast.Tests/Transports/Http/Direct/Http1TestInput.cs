using System.Buffers;
using System.Text;
using Cortex.Mcp.Fast.TestSupport;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.Tests.Transports.Http.Direct;

/// <summary>What reading one whole response yielded: the head's kept facts, the decoded body, and what was left.</summary>
public sealed record Http1Outcome(
    int Status,
    bool IsHttp10,
    string Framing,
    long ContentLength,
    bool KeepAlive,
    string? ContentType,
    string? SessionId,
    string? RetryAfter,
    string? Location,
    string Body,
    int TrailingBytes,
    string? Error)
{
    public static Http1Outcome Failed(string error) => new(0, false, "", -1, false, null, null, null, null, "", 0, error);
}

/// <summary>
/// Drives <see cref="Http1ResponseParser"/> and <see cref="ChunkedBodyDecoder"/> like a pipe reader loop would, over
/// input arriving in the given pieces: every piece is a segment of its own, unconsumed bytes are handed back, and the
/// end of the pieces is the end of the connection.
/// </summary>
internal static class Http1TestInput
{
    public static byte[] Ascii(string text) => Encoding.Latin1.GetBytes(text);

    /// <summary>One byte per piece (or, past 4 KiB, small pieces: the parser rescans segments, so pieces of one
    /// byte would make large inputs quadratic in the test).</summary>
    public static List<byte[]> OneByteAtATime(byte[] bytes) => bytes.Chunk(Math.Max(1, bytes.Length / 2048)).ToList();

    /// <summary>Cuts <paramref name="bytes"/> at the given points (taken modulo the length).</summary>
    public static List<byte[]> CutAt(byte[] bytes, IEnumerable<int> cuts)
    {
        if (bytes.Length == 0)
        {
            return [];
        }

        int[] points = cuts.Select(c => (int)((uint)c % (uint)bytes.Length)).Where(c => c > 0).Append(0).Append(bytes.Length)
            .Distinct().Order().ToArray();
        var chunks = new List<byte[]>();
        for (int i = 1; i < points.Length; i++)
        {
            chunks.Add(bytes[points[i - 1]..points[i]]);
        }

        return chunks;
    }

    public static Http1Outcome Read(IReadOnlyList<byte[]> pieces, bool requestWasHead = false, Http1Limits? limits = null)
    {
        try
        {
            return ReadCore(pieces, requestWasHead, limits ?? Http1Limits.Default);
        }
        catch (Http1ProtocolException ex)
        {
            return Http1Outcome.Failed(ex.Error.ToString());
        }
    }

    private static Http1Outcome ReadCore(IReadOnlyList<byte[]> pieces, bool requestWasHead, Http1Limits limits)
    {
        var input = new SegmentedPipe([.. pieces.Select(static p => (ReadOnlyMemory<byte>)p)]);
        var state = default(Http1HeadScanState);
        var head = new Http1ResponseHead();
        while (true)
        {
            ReadOnlySequence<byte> buffer = input.Buffer;
            var parser = new Http1ResponseParser(ref state, limits);
            bool done = parser.TryParse(buffer, requestWasHead, head, out SequencePosition consumed, out _);
            input.AdvanceTo(buffer, consumed);
            if (done)
            {
                break;
            }

            if (!input.Receive())
            {
                return Http1Outcome.Failed(nameof(Http1ProtocolError.UnexpectedEnd));
            }
        }

        var body = new List<byte>();
        switch (head.Framing)
        {
            case Http1BodyFraming.ContentLength:
                long left = head.ContentLength;
                while (left > 0)
                {
                    ReadOnlySequence<byte> buffer = input.Buffer;
                    ReadOnlySequence<byte> take = buffer.Slice(0, Math.Min(left, buffer.Length));
                    body.AddRange(take.ToArray());
                    left -= take.Length;
                    input.AdvanceTo(buffer, take.End);
                    if (left > 0 && !input.Receive())
                    {
                        return Http1Outcome.Failed(nameof(Http1ProtocolError.UnexpectedEnd));
                    }
                }

                break;
            case Http1BodyFraming.Chunked:
                var decoder = new ChunkedBodyDecoder(limits);
                while (true)
                {
                    ReadOnlySequence<byte> buffer = input.Buffer;
                    ChunkedDecodeResult result = decoder.Decode(buffer, out ReadOnlySequence<byte> data, out SequencePosition consumed);
                    if (result == ChunkedDecodeResult.Data)
                    {
                        Assert.False(data.IsEmpty);
                        body.AddRange(data.ToArray());
                    }

                    input.AdvanceTo(buffer, consumed);
                    if (result == ChunkedDecodeResult.Completed)
                    {
                        Assert.True(decoder.IsCompleted);
                        break;
                    }

                    if (result == ChunkedDecodeResult.NeedMoreData && !input.Receive())
                    {
                        return Http1Outcome.Failed(nameof(Http1ProtocolError.UnexpectedEnd));
                    }
                }

                break;
            case Http1BodyFraming.CloseDelimited:
                do
                {
                    ReadOnlySequence<byte> buffer = input.Buffer;
                    body.AddRange(buffer.ToArray());
                    input.AdvanceTo(buffer, buffer.End);
                }
                while (input.Receive());
                break;
            default:
                break;
        }

        while (input.Receive())
        {
        }

        return new Http1Outcome(head.StatusCode, head.IsHttp10, head.Framing.ToString(), head.ContentLength, head.KeepAlive,
            head.ContentType, head.SessionId, head.RetryAfter, head.Location, Encoding.Latin1.GetString(body.ToArray()),
            (int)input.Buffer.Length, null);
    }

    /// <summary>Builds a sequence with one segment per piece.</summary>
    public static ReadOnlySequence<byte> Segmented(IEnumerable<ReadOnlyMemory<byte>> pieces) => SegmentedPipe.Segmented(pieces);
}
