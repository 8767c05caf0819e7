namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// What the line scanner must remember between buffers: whether the byte order mark was settled, whether a CR
/// ended the last buffer (so an LF starting the next one belongs to it), and the start of a line whose end has not
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

    /// <summary>
    /// Settles the byte order mark at the start of the stream. Returns false when <paramref name="buffer"/> is still
    /// too short to tell (a prefix of the mark that more input may complete).
    /// </summary>
    /// <param name="buffer">The unread input; advanced past the mark when one is present.</param>
    /// <param name="isFinal">True when no more input will come.</param>
    public bool TrySkipBom(ref System.Buffers.ReadOnlySequence<byte> buffer, bool isFinal)
    {
        // Spec: "One leading U+FEFF BYTE ORDER MARK character must be ignored if any are present."
        ReadOnlySpan<byte> bom = SseFieldNames.Bom;
        Span<byte> head = stackalloc byte[3];
        int count = (int)Math.Min(buffer.Length, head.Length);
        System.Buffers.BuffersExtensions.CopyTo(buffer.Slice(0, count), head);
        head = head[..count];
        if (count == bom.Length)
        {
            if (head.SequenceEqual(bom))
            {
                buffer = buffer.Slice(bom.Length);
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
