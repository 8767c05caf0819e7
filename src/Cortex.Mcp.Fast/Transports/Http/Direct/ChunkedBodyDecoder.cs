using System.Buffers;
using System.Diagnostics;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// Decodes the chunked transfer coding (RFC 9112 §7.1) as a resumable state machine over sequences: chunk-size
/// lines (extensions bounded and skipped), data handed out as slices of the input without copying, the CRLF after
/// each chunk, the last chunk, and the trailer section (bounded and skipped).
/// </summary>
/// <remarks>
/// A mutable struct owned by one connection and used in place. Framing bytes are consumed into the state as they
/// are read, so the caller never hands the same bytes twice: after each call, advance to <c>consumed</c>. Knows
/// nothing of pipes (STYLE habit 8). Refusals throw <see cref="Http1ProtocolException"/>.
/// </remarks>
internal struct ChunkedBodyDecoder
{
    private readonly int _maxChunkLineLength;
    private readonly int _maxTrailerSize;
    private Phase _phase;
    private long _remaining;
    private int _lineLength;
    private int _trailerSize;

    public ChunkedBodyDecoder(Http1Limits limits)
    {
        _maxChunkLineLength = limits.MaxChunkLineLength;
        _maxTrailerSize = limits.MaxTrailerSize;
    }

    private enum Phase : byte
    {
        SizeFirst,
        Size,
        SizeWhitespace,
        Extension,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        TrailerLineStart,
        TrailerLine,
        TrailerLineLf,
        TrailerEndLf,
        Done,
    }

    /// <summary>Gets a value indicating whether the whole body, trailers included, has been read.</summary>
    public readonly bool IsCompleted => _phase == Phase.Done;

    /// <summary>Starts over for the next body.</summary>
    public void Reset()
    {
        _phase = Phase.SizeFirst;
        _remaining = 0;
        _lineLength = 0;
        _trailerSize = 0;
    }

    /// <summary>
    /// Reads framing from <paramref name="input"/> until it yields body data, completes, or runs out. On
    /// <see cref="ChunkedDecodeResult.Data"/>, <paramref name="data"/> is a non-empty slice of the input (valid as
    /// long as the input is) and <paramref name="consumed"/> is just past it; on
    /// <see cref="ChunkedDecodeResult.Completed"/>, <paramref name="consumed"/> is just past the body (anything after
    /// it belongs to no response); on <see cref="ChunkedDecodeResult.NeedMoreData"/>, it is the end of the input.
    /// </summary>
    /// <exception cref="Http1ProtocolException">The framing is malformed or over a limit.</exception>
    public ChunkedDecodeResult Decode(in ReadOnlySequence<byte> input, out ReadOnlySequence<byte> data, out SequencePosition consumed)
    {
        data = default;
        if (_phase == Phase.Done)
        {
            consumed = input.Start;
            return ChunkedDecodeResult.Completed;
        }

        long segmentOffset = 0;
        SequencePosition segmentStart = input.Start;
        SequencePosition next = input.Start;
        while (input.TryGet(ref next, out ReadOnlyMemory<byte> memory))
        {
            ReadOnlySpan<byte> span = memory.Span;
            for (int i = 0; i < span.Length; i++)
            {
                if (_phase == Phase.Data)
                {
                    // Data: hand out as much of the chunk as the input holds, across segments, without copying.
                    SequencePosition start = input.GetPosition(i, segmentStart);
                    long take = Math.Min(_remaining, input.Length - segmentOffset - i);
                    data = input.Slice(start, take);
                    consumed = data.End;
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _phase = Phase.DataCr;
                    }

                    return ChunkedDecodeResult.Data;
                }

                if (Step(span[i]))
                {
                    consumed = input.GetPosition(i + 1, segmentStart);
                    return ChunkedDecodeResult.Completed;
                }
            }

            segmentOffset += span.Length;
            segmentStart = next;
        }

        consumed = input.End;
        return ChunkedDecodeResult.NeedMoreData;
    }

    /// <summary>Consumes one framing byte; true when it ended the body.</summary>
    private bool Step(byte b)
    {
        switch (_phase)
        {
            case Phase.SizeFirst:
                // Spec: "chunk-size = 1*HEXDIG".
                int first = Http1Syntax.HexValue(b);
                if (first < 0)
                {
                    Http1ProtocolException.Throw(Http1ProtocolError.InvalidChunkSize);
                }

                _remaining = first;
                _lineLength = 1;
                _phase = Phase.Size;
                return false;

            case Phase.Size:
                int digit = Http1Syntax.HexValue(b);
                if (digit >= 0)
                {
                    if (_remaining > (long.MaxValue >> 4))
                    {
                        Http1ProtocolException.Throw(Http1ProtocolError.InvalidChunkSize);
                    }

                    _remaining = (_remaining << 4) | (uint)digit;
                    CountLine();
                    return false;
                }

                return EndOfSize(b);

            case Phase.SizeWhitespace:
                // Spec: "chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )".
                return EndOfSize(b);

            case Phase.Extension:
                // Extensions are bounded and skipped; control bytes other than HTAB are refused.
                if (b == Http1Syntax.CR)
                {
                    _phase = Phase.SizeLf;
                }
                else if (b < 0x20 && b != Http1Syntax.HT || b == 0x7F)
                {
                    Http1ProtocolException.Throw(Http1ProtocolError.InvalidChunkSize);
                }
                else
                {
                    CountLine();
                }

                return false;

            case Phase.SizeLf:
                if (b != Http1Syntax.LF)
                {
                    Http1ProtocolException.Throw(Http1ProtocolError.InvalidChunkSize);
                }

                // Spec: "last-chunk = 1*("0") [ chunk-ext ] CRLF", then "trailer-section CRLF".
                _phase = _remaining == 0 ? Phase.TrailerLineStart : Phase.Data;
                return false;

            case Phase.DataCr:
                ExpectChunkTerminator(b, Http1Syntax.CR, Phase.DataLf);
                return false;

            case Phase.DataLf:
                ExpectChunkTerminator(b, Http1Syntax.LF, Phase.SizeFirst);
                return false;

            case Phase.TrailerLineStart:
                CountTrailer();
                _phase = b == Http1Syntax.CR ? Phase.TrailerEndLf : Phase.TrailerLine;
                RefuseTrailerControl(b);
                return false;

            case Phase.TrailerLine:
                CountTrailer();
                if (b == Http1Syntax.CR)
                {
                    _phase = Phase.TrailerLineLf;
                }
                else
                {
                    RefuseTrailerControl(b);
                }

                return false;

            case Phase.TrailerLineLf:
            case Phase.TrailerEndLf:
                CountTrailer();
                if (b != Http1Syntax.LF)
                {
                    Http1ProtocolException.Throw(Http1ProtocolError.InvalidTrailer);
                }

                if (_phase == Phase.TrailerEndLf)
                {
                    _phase = Phase.Done;
                    return true;
                }

                _phase = Phase.TrailerLineStart;
                return false;

            default:
                Debug.Fail("Data and Done are handled by the caller.");
                return false;
        }
    }

    private bool EndOfSize(byte b)
    {
        switch (b)
        {
            case Http1Syntax.CR:
                _phase = Phase.SizeLf;
                break;
            case Http1Syntax.SP or Http1Syntax.HT:
                _phase = Phase.SizeWhitespace;
                CountLine();
                break;
            case (byte)';':
                _phase = Phase.Extension;
                CountLine();
                break;
            default:
                Http1ProtocolException.Throw(Http1ProtocolError.InvalidChunkSize);
                break;
        }

        return false;
    }

    private void CountLine()
    {
        if (++_lineLength > _maxChunkLineLength)
        {
            Http1ProtocolException.Throw(Http1ProtocolError.LineTooLong);
        }
    }

    private void CountTrailer()
    {
        if (++_trailerSize > _maxTrailerSize)
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidTrailer);
        }
    }

    private void ExpectChunkTerminator(byte b, byte expected, Phase next)
    {
        if (b != expected)
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidChunkTerminator);
        }

        _phase = next;
    }

    private static void RefuseTrailerControl(byte b)
    {
        if (b != Http1Syntax.CR && (b < 0x20 && b != Http1Syntax.HT || b == 0x7F))
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidTrailer);
        }
    }
}
