using System.Buffers;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.TestSupport;

/// <summary>
/// The one fuzz target of the direct HTTP/1.1 engine's response parser, shared by the SharpFuzz harness
/// (tests/Cortex.Mcp.Fast.Fuzz) and the corpus replay test: the input is the byte stream a server sent, read as one
/// response the way <c>Http1Connection</c> reads it (head parsed repeatedly as bytes arrive, then the body under the
/// head's framing, <see cref="ChunkedBodyDecoder"/> for chunked).
/// </summary>
/// <remarks>
/// <para>Each input is read three ways: whole (one segment), in small pieces under the default limits (every piece
/// its own segment, unconsumed bytes handed back, so the resumable paths run), and in pieces under tiny limits (so
/// small inputs reach every limit). <see cref="Http1ProtocolException"/> is the only accepted failure; anything else
/// escaping is a defect, as is a loop that stops making progress or an outcome that depends on how the bytes were
/// split (a response accepted whole must be accepted in pieces, with the same status, framing and body).</para>
/// </remarks>
internal static class Http1FuzzTarget
{
    /// <summary>Limits small enough for a few hundred bytes to reach each of them.</summary>
    private static readonly Http1Limits s_tinyLimits = new()
    {
        MaxLineLength = 64,
        MaxHeaderCount = 4,
        MaxHeadSize = 256,
        MaxInterimResponses = 1,
        MaxChunkLineLength = 16,
        MaxTrailerSize = 32,
    };

    /// <summary>Reads <paramref name="input"/> as one response three ways; throws anything but a protocol refusal.</summary>
    public static void Run(byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);

        // An odd length reads the tiny-limits pass as the answer to a HEAD request: the fuzzer reaches that framing
        // path without an input format of its own (the bytes are still exactly what the server sent).
        bool head = (input.Length & 1) == 1;
        string? whole = ReadOutcome(input, pieceSize: input.Length, head: false, Http1Limits.Default);
        int pieceSize = Math.Max(1, input.Length / 512);
        string? pieces = ReadOutcome(input, pieceSize, head: false, Http1Limits.Default);
        if (whole != pieces)
        {
            throw new InvalidOperationException(
                $"The outcome depends on segmentation: whole '{whole ?? "refused"}', in pieces of {pieceSize} '{pieces ?? "refused"}'.");
        }

        _ = ReadOutcome(input, Math.Max(1, input.Length / 64), head, s_tinyLimits);
    }

    /// <summary>What reading <paramref name="input"/> whole under the default limits yields (null: refused).</summary>
    public static string? Describe(byte[] input) => ReadOutcome(input, Math.Max(1, input.Length), head: false, Http1Limits.Default);

    /// <summary>Null when refused with a protocol exception; otherwise a summary of what was read.</summary>
    private static string? ReadOutcome(byte[] input, int pieceSize, bool head, Http1Limits limits)
    {
        try
        {
            return Read(input, pieceSize, head, limits);
        }
        catch (Http1ProtocolException)
        {
            return null;
        }
    }

    private static string? Read(byte[] input, int pieceSize, bool requestWasHead, Http1Limits limits)
    {
        var pipe = SegmentedPipe.Of(input, Math.Max(1, pieceSize));
        var state = default(Http1HeadScanState);
        var head = new Http1ResponseHead();
        pipe.Receive();
        while (true)
        {
            ReadOnlySequence<byte> buffer = pipe.Buffer;
            var parser = new Http1ResponseParser(ref state, limits);
            bool done = parser.TryParse(buffer, requestWasHead, head, out SequencePosition consumed, out SequencePosition examined);
            if (!done && !examined.Equals(buffer.End))
            {
                throw new InvalidOperationException("An incomplete head was not examined to the end of the input.");
            }

            pipe.AdvanceTo(buffer, consumed);
            if (done)
            {
                break;
            }

            if (!pipe.Receive())
            {
                return null; // UnexpectedEnd: the connection closed inside the head.
            }
        }

        if (head.StatusCode is < 200 or > 999)
        {
            throw new InvalidOperationException($"A final head with status {head.StatusCode}.");
        }

        long bodyLength = 0;
        switch (head.Framing)
        {
            case Http1BodyFraming.ContentLength:
                long left = head.ContentLength;
                while (left > 0)
                {
                    ReadOnlySequence<byte> buffer = pipe.Buffer;
                    ReadOnlySequence<byte> take = buffer.Slice(0, Math.Min(left, buffer.Length));
                    left -= take.Length;
                    bodyLength += take.Length;
                    pipe.AdvanceTo(buffer, take.End);
                    if (left > 0 && !pipe.Receive())
                    {
                        return null;
                    }
                }

                break;

            case Http1BodyFraming.Chunked:
                var decoder = new ChunkedBodyDecoder(limits);
                while (true)
                {
                    ReadOnlySequence<byte> buffer = pipe.Buffer;
                    ChunkedDecodeResult result = decoder.Decode(buffer, out ReadOnlySequence<byte> data, out SequencePosition consumed);
                    if (result == ChunkedDecodeResult.Data)
                    {
                        if (data.IsEmpty)
                        {
                            throw new InvalidOperationException("The chunked decoder yielded an empty data piece.");
                        }

                        bodyLength += data.Length;
                    }
                    else if (result == ChunkedDecodeResult.NeedMoreData && !consumed.Equals(buffer.End))
                    {
                        throw new InvalidOperationException("The chunked decoder asked for more without consuming its input.");
                    }

                    pipe.AdvanceTo(buffer, consumed);
                    if (result == ChunkedDecodeResult.Completed)
                    {
                        if (!decoder.IsCompleted)
                        {
                            throw new InvalidOperationException("Completed without IsCompleted.");
                        }

                        break;
                    }

                    if (result == ChunkedDecodeResult.NeedMoreData && !pipe.Receive())
                    {
                        return null;
                    }
                }

                break;

            case Http1BodyFraming.CloseDelimited:
                do
                {
                    ReadOnlySequence<byte> buffer = pipe.Buffer;
                    bodyLength += buffer.Length;
                    pipe.AdvanceTo(buffer, buffer.End);
                }
                while (pipe.Receive());
                break;

            default:
                break;
        }

        while (pipe.Receive())
        {
        }

        return $"{head.StatusCode} {head.Framing} cl={head.ContentLength} keepAlive={head.KeepAlive} body={bodyLength} " +
            $"after={pipe.Buffer.Length} type={head.ContentType} session={head.SessionId}";
    }
}
