using System.Buffers;

namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>
/// Notes, as body bytes arrive, whether a line was left incomplete: the time the current partial line began (0 when
/// the bytes so far end on a line break). <see cref="StallWatchdog"/> reads it from its timer.
/// </summary>
/// <remarks>One vectorised <c>LastIndexOfAny</c> over each piece and one timestamp per piece: cheap next to the read
/// itself. The stall rule is about bytes, not about what they mean, so the parser needs no hook. Noting the pieces of
/// a body one by one gives the same result as noting them joined.</remarks>
internal sealed class LineProgress(TimeProvider timeProvider)
{
    private long _partialSince;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the current incomplete line began; 0 when none is pending.</summary>
    public long PartialLineSince => Volatile.Read(ref _partialSince);

    /// <summary>Notes the next bytes of the body.</summary>
    public void Note(ReadOnlySpan<byte> chunk)
    {
        if (chunk.IsEmpty)
        {
            return;
        }

        var lastBreak = chunk.LastIndexOfAny((byte)'\r', (byte)'\n');
        if (lastBreak == chunk.Length - 1)
        {
            Volatile.Write(ref _partialSince, 0); // every line complete
        }
        else if (lastBreak >= 0 || Volatile.Read(ref _partialSince) == 0)
        {
            Volatile.Write(ref _partialSince, timeProvider.GetTimestamp()); // a new partial line began in this chunk
        }
    }

    /// <summary>Notes the next bytes of the body, segment by segment.</summary>
    public void Note(in ReadOnlySequence<byte> chunk)
    {
        if (chunk.IsSingleSegment)
        {
            Note(chunk.FirstSpan);
            return;
        }

        foreach (var segment in chunk)
        {
            Note(segment.Span);
        }
    }
}
