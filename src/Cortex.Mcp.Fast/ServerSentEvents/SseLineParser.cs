using System.Buffers;
using System.Diagnostics;

namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// Splits one buffer of input into lines, resuming from and saving to a <see cref="SseScanState"/> so that lines,
/// CRLF pairs and the byte order mark may be split anywhere across buffers.
/// </summary>
/// <remarks>
/// A line returned by <see cref="TryReadLine"/> is a span over the input or over the state's partial-line buffer;
/// it is valid only until the next call. Knows nothing of pipes or HTTP: it sees a <see cref="ReadOnlySequence{T}"/>.
/// </remarks>
internal ref struct SseLineParser
{
    /// <summary>The resumable state, owned by the reader.</summary>
    private readonly ref SseScanState _state;

    /// <summary>The input being split.</summary>
    private readonly ReadOnlySequence<byte> _buffer;

    /// <summary>The longest line accepted.</summary>
    private readonly int _maxLineLength;

    /// <summary>Where the current segment starts in <see cref="_buffer"/>; origin of <see cref="Position"/>.</summary>
    private SequencePosition _segmentStart;

    /// <summary>Where the segment after the current one starts (for <see cref="ReadOnlySequence{T}.TryGet"/>).</summary>
    private SequencePosition _nextSegment;

    /// <summary>The current segment.</summary>
    private ReadOnlySpan<byte> _segment;

    /// <summary>How many bytes of the current segment are consumed.</summary>
    private int _offset;

    public SseLineParser(ref SseScanState state, in ReadOnlySequence<byte> buffer, int maxLineLength)
    {
        _state = ref state;
        _buffer = buffer;
        _maxLineLength = maxLineLength;
        _segmentStart = buffer.Start;
        _nextSegment = buffer.Start;
        _segment = default;
        _offset = 0;
    }

    /// <summary>Gets the position just after the last line returned: where the next unread byte is.</summary>
    public readonly SequencePosition Position => _buffer.GetPosition(_offset, _segmentStart);

    /// <summary>
    /// Reads the next complete line, without its line ending. Returns false when the input is used up; the start of
    /// an unfinished line is then kept in the state, and every byte of the input counts as consumed.
    /// </summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        while (true)
        {
            ReadOnlySpan<byte> rest = _segment[_offset..];
            if (rest.IsEmpty)
            {
                if (!MoveToNextSegment())
                {
                    line = default;
                    return false;
                }

                continue;
            }

            if (_state.SkipLeadingLf)
            {
                // Spec: "Lines must be separated by either a U+000D CARRIAGE RETURN U+000A LINE FEED (CRLF) character
                // pair, a single U+000A LINE FEED (LF) character, or a single U+000D CARRIAGE RETURN (CR) character."
                // A CR ended the previous buffer; its line was already returned, so an LF here is the CRLF's second half.
                _state.SkipLeadingLf = false;
                if (rest[0] == SseFieldNames.LF)
                {
                    _offset++;
                    continue;
                }
            }

            int end = rest.IndexOfAny(SseFieldNames.CR, SseFieldNames.LF);
            if (end < 0)
            {
                // No line ending yet: keep the bytes (the limit check throws on an endless line as it grows).
                _state.PartialLine.Append(rest, _maxLineLength, SseLimit.Line);
                _offset += rest.Length;
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
                    _state.SkipLeadingLf = true;
                }
            }

            _offset += consumed;
            if (_state.PartialLine.Length == 0)
            {
                if (end > _maxLineLength)
                {
                    SseLimitExceededException.Throw(SseLimit.Line, _maxLineLength);
                }

                line = rest[..end];
            }
            else
            {
                _state.PartialLine.Append(rest[..end], _maxLineLength, SseLimit.Line);
                line = _state.PartialLine.Span;

                // The array stays untouched until the next append, which happens only on the next call.
                _state.PartialLine.Clear();
            }

            return true;
        }
    }

    private bool MoveToNextSegment()
    {
        SequencePosition start = _nextSegment;
        while (_buffer.TryGet(ref _nextSegment, out ReadOnlyMemory<byte> memory))
        {
            if (!memory.IsEmpty)
            {
                _segmentStart = start;
                _segment = memory.Span;
                _offset = 0;
                return true;
            }

            start = _nextSegment;
        }

        Debug.Assert(_offset == _segment.Length, "Input is used up only when the last segment is consumed.");
        return false;
    }
}
