using System.Diagnostics;

namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// Splits the input of a <see cref="SseScanState"/> into lines, resuming from its cursor and saving back to it, so
/// that lines, CRLF pairs and the byte order mark may be split anywhere across segments and reads.
/// </summary>
/// <remarks>
/// A line returned by <see cref="TryReadLine"/> is a span over the input or over the state's partial-line buffer;
/// it is valid only until the next call. Knows nothing of pipes or HTTP.
/// </remarks>
internal ref struct SseLineParser
{
    /// <summary>The resumable state, owned by the reader; its <c>Offset</c> is the cursor.</summary>
    private readonly ref SseScanState _state;

    /// <summary>The longest line accepted.</summary>
    private readonly int _maxLineLength;

    /// <summary>The span of the state's current segment.</summary>
    private ReadOnlySpan<byte> _segment;

    /// <summary>Where the last line returned starts in the state's segment, or -1 when it was assembled from pieces.</summary>
    private int _lineStart;

    public SseLineParser(ref SseScanState state, int maxLineLength)
    {
        _state = ref state;
        _maxLineLength = maxLineLength;
        _segment = state.Segment.Span;
        _lineStart = -1;
    }

    /// <summary>
    /// Gets where the last line returned starts in the scan state's <c>Segment</c>, or -1 when it was assembled in the
    /// partial-line buffer (it then lives in no segment).
    /// </summary>
    public readonly int LineStart => _lineStart;

    /// <summary>
    /// Reads the next complete line, without its line ending. Returns false when the input is used up; the start of
    /// an unfinished line is then kept in the state, and every byte of the input counts as consumed.
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        ref SseScanState state = ref _state;
        while (true)
        {
            ReadOnlySpan<byte> rest = _segment[state.Offset..];
            if (rest.IsEmpty)
            {
                if (!state.MoveToNextSegment())
                {
                    line = default;
                    return false;
                }

                _segment = state.Segment.Span;
                continue;
            }

            if (state.SkipLeadingLf)
            {
                // Spec: "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF) character
                // pair, a single U+000A LINE FEED (LF) character, or a single U+000D CARRIAGE RETURN (CR) character."
                // A CR ended the previous buffer; its line was already returned, so an LF here is the CRLF's second half.
                state.SkipLeadingLf = false;
                if (rest[0] == SseFieldNames.LF)
                {
                    state.Offset++;
                    continue;
                }
            }

            // A blank line (the dispatch after every event) needs no vector search.
            byte first = rest[0];
            int end = first is SseFieldNames.LF or SseFieldNames.CR ? 0 : rest.IndexOfAny(SseFieldNames.CR, SseFieldNames.LF);
            if (end < 0)
            {
                // No line ending yet: keep the bytes (the limit check throws on an endless line as it grows).
                state.PartialLine.Append(rest, _maxLineLength, SseLimit.Line);
                state.Offset += rest.Length;
                continue;
            }

            int consumed = end + 1;
            if (rest[end] == SseFieldNames.CR)
            {
                if (consumed < rest.Length)
                {
                    if (rest[consumed] == SseFieldNames.LF)
                    {
                        consumed++;
                    }
                }
                else
                {
                    // The CR ends this line now (no waiting for the next read); remember to swallow a following LF.
                    state.SkipLeadingLf = true;
                }
            }

            int start = state.Offset;
            state.Offset += consumed;
            if (state.PartialLine.Length == 0)
            {
                if (end > _maxLineLength)
                {
                    SseLimitExceededException.Throw(SseLimit.Line, _maxLineLength);
                }

                _lineStart = start;
                line = rest[..end];
            }
            else
            {
                state.PartialLine.Append(rest[..end], _maxLineLength, SseLimit.Line);
                _lineStart = -1;
                line = state.PartialLine.Span;

                // The array stays untouched until the next append, which happens only on the next call.
                state.PartialLine.Clear();
            }

            Debug.Assert(state.Offset <= _segment.Length, "The cursor never passes the segment.");
            return true;
        }
    }
}
