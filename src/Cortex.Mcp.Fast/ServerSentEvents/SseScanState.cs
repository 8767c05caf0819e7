using System.Buffers;

namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// What the line scanner must remember between calls: the input and a cursor into it (so a move resumes where the
/// last one stopped without re-slicing the sequence), whether the byte order mark was settled, whether a CR ended
/// the last buffer (so an LF starting the next one belongs to it), and the start of a line whose end has not
/// arrived yet.
/// </summary>
/// <remarks>A mutable struct owned by one <see cref="SseEventReader"/>; used in place through <c>ref</c>.</remarks>
internal struct SseScanState
{
    /// <summary>True once the start of the stream was checked for a byte order mark (and any was skipped).</summary>
    public bool BomChecked;

    /// <summary>True when the last line ended with CR at the end of a buffer: an LF next completes that CRLF.</summary>
    public bool SkipLeadingLf;

    /// <summary>The bytes of a line split across buffers, bounded by the line limit.</summary>
    public PooledByteBuffer PartialLine;

    /// <summary>The input being scanned: the whole sequence source, or the buffer of the pipe read held open.</summary>
    public ReadOnlySequence<byte> Input;

    /// <summary>The segment of <see cref="Input"/> under the cursor (empty before the first segment).</summary>
    public ReadOnlyMemory<byte> Segment;

    /// <summary>How many bytes of <see cref="Segment"/> are consumed.</summary>
    public int Offset;

    /// <summary>Where <see cref="Segment"/> starts in <see cref="Input"/>: the origin of <see cref="Position"/>.</summary>
    public SequencePosition SegmentStart;

    /// <summary>Where the segment after <see cref="Segment"/> starts, for <see cref="ReadOnlySequence{T}.TryGet"/>.</summary>
    public SequencePosition NextSegment;

    /// <summary>Gets the position of the cursor in <see cref="Input"/>: everything before it is consumed.</summary>
    public readonly SequencePosition Position => Input.GetPosition(Offset, SegmentStart);

    /// <summary>Points the cursor at the start of new input.</summary>
    public void SetInput(in ReadOnlySequence<byte> input)
    {
        Input = input;
        SegmentStart = input.Start;
        Offset = 0;
        if (input.IsSingleSegment)
        {
            // The common case: no TryGet walk at all.
            Segment = input.First;
            NextSegment = default;
        }
        else
        {
            Segment = default;
            NextSegment = input.Start;
        }
    }

    /// <summary>Forgets the input (after it was handed back to the pipe).</summary>
    public void ClearInput()
    {
        Input = default;
        Segment = default;
        Offset = 0;
        SegmentStart = default;
        NextSegment = default;
    }

    /// <summary>Moves the cursor to the next non-empty segment. Returns false when the input is used up.</summary>
    public bool MoveToNextSegment()
    {
        SequencePosition start = NextSegment;
        while (Input.TryGet(ref NextSegment, out ReadOnlyMemory<byte> memory))
        {
            if (!memory.IsEmpty)
            {
                SegmentStart = start;
                Segment = memory;
                Offset = 0;
                return true;
            }

            start = NextSegment;
        }

        return false;
    }

    /// <summary>
    /// Settles the byte order mark at the start of the stream. Returns false when the input is still too short to
    /// tell (a prefix of the mark that more input may complete).
    /// </summary>
    /// <param name="isFinal">True when no more input will come after <see cref="Input"/>.</param>
    public bool TrySkipBom(bool isFinal)
    {
        // Spec: "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
        ReadOnlySpan<byte> bom = SseFieldNames.Bom;
        Span<byte> head = stackalloc byte[3];
        int count = (int)Math.Min(Input.Length, head.Length);
        Input.Slice(0, count).CopyTo(head);
        head = head[..count];
        if (count == bom.Length)
        {
            if (head.SequenceEqual(bom))
            {
                SetInput(Input.Slice(bom.Length));
            }
        }
        else if (!isFinal && bom.StartsWith(head))
        {
            // Split across reads: wait for the rest before deciding.
            return false;
        }

        BomChecked = true;
        return true;
    }
}
