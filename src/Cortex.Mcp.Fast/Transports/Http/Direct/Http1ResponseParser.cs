using System.Buffers;
using System.Diagnostics;
using System.Text;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// Parses an HTTP/1.1 (or 1.0) response head from a <see cref="ReadOnlySequence{T}"/>, resuming through a
/// <see cref="Http1HeadScanState"/> so the head may arrive split anywhere across reads. Interim 1xx responses are
/// consumed and skipped; the final head fills a <see cref="Http1ResponseHead"/> and decides the body framing.
/// </summary>
/// <remarks>
/// <para>Two passes over each head: the first (incremental, resumable) finds complete CRLF-ended lines and enforces
/// the line, header-count and head-size limits; the second runs once over the complete head, checks syntax
/// (status line, token names, no whitespace before the colon, no folding, no control bytes in values) and
/// materialises the few values the engine keeps. Nothing is allocated for the headers it skips.</para>
/// <para>Knows nothing of sockets or pipes (STYLE habit 8). Refusals throw <see cref="Http1ProtocolException"/>.</para>
/// </remarks>
internal ref struct Http1ResponseParser
{
    private readonly ref Http1HeadScanState _state;
    private readonly Http1Limits _limits;

    public Http1ResponseParser(ref Http1HeadScanState state, Http1Limits limits)
    {
        _state = ref state;
        _limits = limits;
    }

    /// <summary>
    /// Tries to parse the final response head at the start of <paramref name="buffer"/>. Returns true when it is
    /// complete (<paramref name="head"/> filled, <paramref name="consumed"/> just past its blank line). Returns false
    /// when more input is needed: <paramref name="consumed"/> then is past any interim responses skipped (often
    /// the start), and <paramref name="examined"/> is the end of the buffer; pass the same unconsumed bytes, and
    /// more, next time.
    /// </summary>
    /// <param name="buffer">The unconsumed input.</param>
    /// <param name="requestWasHead">True when the request was HEAD (the response then has no body).</param>
    /// <param name="head">Filled when the final head is complete; reset by the caller before the response.</param>
    /// <param name="consumed">How far the caller may advance.</param>
    /// <param name="examined">How far the parser looked.</param>
    /// <exception cref="Http1ProtocolException">The head is malformed, over a limit, or its framing ambiguous.</exception>
    public bool TryParse(in ReadOnlySequence<byte> buffer, bool requestWasHead, Http1ResponseHead head,
        out SequencePosition consumed, out SequencePosition examined)
    {
        ReadOnlySequence<byte> rest = buffer;
        while (true)
        {
            if (!TryFindHeadEnd(rest, out int headLength))
            {
                consumed = rest.Start;
                examined = buffer.End;
                return false;
            }

            ReadOnlySequence<byte> headBytes = rest.Slice(0, headLength);
            int status = ParseHead(headBytes, head);
            _state.Scanned = 0;
            _state.Lines = 0;
            rest = rest.Slice(headLength);
            if (status >= 200)
            {
                head.Decide(requestWasHead);
                consumed = rest.Start;
                examined = consumed;
                return true;
            }

            // Spec (RFC 9110 §15.2): "A client MUST be able to parse one or more 1xx responses received prior to a
            // final response, even if the client does not expect one." They carry nothing the engine uses.
            if (++_state.InterimResponses > _limits.MaxInterimResponses)
            {
                Http1ProtocolException.Throw(Http1ProtocolError.HeadTooLarge);
            }

            head.Reset();
        }
    }

    /// <summary>Scans complete lines from where the last call stopped; true with the head's length at its blank line.</summary>
    private readonly bool TryFindHeadEnd(in ReadOnlySequence<byte> input, out int headLength)
    {
        ref Http1HeadScanState state = ref _state;
        var reader = new SequenceReader<byte>(input);
        reader.Advance(state.Scanned);
        while (true)
        {
            long lineStart = reader.Consumed;
            if (!reader.TryAdvanceTo(Http1Syntax.LF, advancePastDelimiter: true))
            {
                // Incomplete line: bound what a server can make us buffer before we see its end.
                if (input.Length - lineStart > _limits.MaxLineLength + 1)
                {
                    Http1ProtocolException.Throw(Http1ProtocolError.LineTooLong);
                }

                if (input.Length > _limits.MaxHeadSize)
                {
                    Http1ProtocolException.Throw(Http1ProtocolError.HeadTooLarge);
                }

                headLength = 0;
                return false;
            }

            long lineLength = reader.Consumed - lineStart;

            // A line of just LF: refused before stepping back over a CR that cannot be there (at the very start of
            // the input there is no second byte to step back over; found by the fuzz campaign).
            if (lineLength < 2)
            {
                Http1ProtocolException.Throw(Http1ProtocolError.BareLineEnding);
            }

            reader.Rewind(2);
            if (!reader.TryRead(out byte cr) || cr != Http1Syntax.CR)
            {
                // Spec (RFC 9112 §2.2): a bare LF "MAY" be recognised; this engine refuses it (strict framing).
                Http1ProtocolException.Throw(Http1ProtocolError.BareLineEnding);
            }

            reader.Advance(1);
            if (lineLength - 2 > _limits.MaxLineLength)
            {
                Http1ProtocolException.Throw(Http1ProtocolError.LineTooLong);
            }

            if (reader.Consumed > _limits.MaxHeadSize)
            {
                Http1ProtocolException.Throw(Http1ProtocolError.HeadTooLarge);
            }

            state.Scanned = (int)reader.Consumed;
            if (lineLength == 2)
            {
                if (state.Lines == 0)
                {
                    Http1ProtocolException.Throw(Http1ProtocolError.InvalidStatusLine);
                }

                headLength = state.Scanned;
                return true;
            }

            if (++state.Lines - 1 > _limits.MaxHeaderCount)
            {
                Http1ProtocolException.Throw(Http1ProtocolError.TooManyHeaders);
            }
        }
    }

    /// <summary>Parses one complete head (ending CRLF CRLF, lines known to end in CRLF); returns its status code.</summary>
    private static int ParseHead(in ReadOnlySequence<byte> bytes, Http1ResponseHead head)
    {
        if (bytes.IsSingleSegment)
        {
            return ParseLines(bytes.FirstSpan, head);
        }

        // A head split across segments (rare, bounded by MaxHeadSize): parse a pooled contiguous copy.
        byte[] copy = ArrayPool<byte>.Shared.Rent((int)bytes.Length);
        try
        {
            bytes.CopyTo(copy);
            return ParseLines(copy.AsSpan(0, (int)bytes.Length), head);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(copy);
        }
    }

    private static int ParseLines(ReadOnlySpan<byte> bytes, Http1ResponseHead head)
    {
        int end = bytes.IndexOf(Http1Syntax.LF);
        int status = ParseStatusLine(bytes[..(end - 1)], head);
        bool interim = status < 200;
        bytes = bytes[(end + 1)..];
        while (true)
        {
            end = bytes.IndexOf(Http1Syntax.LF);
            Debug.Assert(end >= 1, "The first pass saw every line end with CRLF.");
            ReadOnlySpan<byte> line = bytes[..(end - 1)];
            bytes = bytes[(end + 1)..];
            if (line.IsEmpty)
            {
                return status;
            }

            ParseHeaderLine(line, head, interim);
        }
    }

    private static int ParseStatusLine(ReadOnlySpan<byte> line, Http1ResponseHead head)
    {
        // Spec (RFC 9112 §4): "status-line = HTTP-version SP status-code SP [ reason-phrase ]"; a missing final SP
        // is tolerated (common, and unambiguous).
        if (!line.StartsWith("HTTP/"u8))
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidStatusLine);
        }

        if (line.Length < 12)
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidStatusLine);
        }

        if (line[5] != (byte)'1' || line[6] != (byte)'.' || line[7] is not ((byte)'0' or (byte)'1'))
        {
            Http1ProtocolException.Throw(Http1ProtocolError.UnsupportedVersion);
        }

        if (line[8] != Http1Syntax.SP
            || !char.IsAsciiDigit((char)line[9]) || !char.IsAsciiDigit((char)line[10]) || !char.IsAsciiDigit((char)line[11])
            || (line.Length > 12 && line[12] != Http1Syntax.SP)
            || line.ContainsAny(Http1Syntax.InvalidValueChars))
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidStatusLine);
        }

        int status = ((line[9] - '0') * 100) + ((line[10] - '0') * 10) + (line[11] - '0');
        if (status < 100)
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidStatusLine);
        }

        if (status == 101)
        {
            Http1ProtocolException.Throw(Http1ProtocolError.UnexpectedUpgrade);
        }

        head.SetStatus(status, isHttp10: line[7] == (byte)'0');
        return status;
    }

    private static void ParseHeaderLine(ReadOnlySpan<byte> line, Http1ResponseHead head, bool interim)
    {
        // Spec (RFC 9112 §5.2): obs-fold; "A user agent that receives an obs-fold [...] MUST replace [it]" or reject;
        // this engine rejects.
        if (line[0] is Http1Syntax.SP or Http1Syntax.HT)
        {
            Http1ProtocolException.Throw(Http1ProtocolError.LineFolding);
        }

        // Spec (RFC 9112 §5.1): "No whitespace is allowed between the field name and colon." The token check
        // refuses it along with every other non-token byte.
        int colon = line.IndexOf((byte)':');
        if (colon <= 0 || line[..colon].ContainsAnyExcept(Http1Syntax.TokenChars))
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidHeader);
        }

        ReadOnlySpan<byte> name = line[..colon];
        ReadOnlySpan<byte> value = line[(colon + 1)..].Trim(Http1Syntax.Whitespace);
        if (value.ContainsAny(Http1Syntax.InvalidValueChars))
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidHeader);
        }

        if (interim)
        {
            return;
        }

        switch (name.Length)
        {
            case 8 when Ascii.EqualsIgnoreCase(name, "Location"u8):
                head.SetLocation(value);
                break;
            case 10 when Ascii.EqualsIgnoreCase(name, "Connection"u8):
                head.SetConnection(value);
                break;
            case 11 when Ascii.EqualsIgnoreCase(name, "Retry-After"u8):
                head.SetRetryAfter(value);
                break;
            case 12 when Ascii.EqualsIgnoreCase(name, "Content-Type"u8):
                head.SetContentType(value);
                break;
            case 14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8):
                head.SetContentLength(value);
                break;
            case 14 when Ascii.EqualsIgnoreCase(name, "Mcp-Session-Id"u8):
                head.SetSessionId(value);
                break;
            case 17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8):
                head.SetTransferEncoding(value);
                break;
            default:
                break;
        }
    }
}
