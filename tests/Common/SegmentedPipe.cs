using System.Buffers;

namespace Cortex.Mcp.Fast.TestSupport;

/// <summary>
/// The input side of a pipe for parser tests and the fuzz target: pieces arrive one per <see cref="Receive"/>, each a
/// segment of its own (empty pieces are skipped); consumed bytes go away. Shared by the unit tests and the fuzz
/// harness (linked into both projects).
/// </summary>
internal sealed class SegmentedPipe(IReadOnlyList<ReadOnlyMemory<byte>> pieces)
{
    private Segment? _first;
    private int _firstOffset;
    private Segment? _last;
    private int _next;

    /// <summary>What has arrived and is not consumed yet.</summary>
    public ReadOnlySequence<byte> Buffer =>
        _first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_first, _firstOffset, _last!, _last!.Memory.Length);

    /// <summary>Cuts <paramref name="input"/> into pieces of <paramref name="pieceSize"/> bytes (the last may be shorter).</summary>
    public static SegmentedPipe Of(byte[] input, int pieceSize)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        for (var start = 0; start < input.Length; start += pieceSize)
        {
            pieces.Add(input.AsMemory(start, Math.Min(pieceSize, input.Length - start)));
        }

        return new SegmentedPipe(pieces);
    }

    /// <summary>Builds a sequence with one segment per non-empty piece.</summary>
    public static ReadOnlySequence<byte> Segmented(IEnumerable<ReadOnlyMemory<byte>> pieces)
    {
        Segment? first = null;
        Segment? last = null;
        foreach (ReadOnlyMemory<byte> piece in pieces)
        {
            if (piece.IsEmpty)
            {
                continue;
            }

            var segment = new Segment(piece, last);
            first ??= segment;
            last = segment;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    /// <summary>Appends the next non-empty piece; false when none is left.</summary>
    public bool Receive()
    {
        while (_next < pieces.Count && pieces[_next].IsEmpty)
        {
            _next++;
        }

        if (_next == pieces.Count)
        {
            return false;
        }

        var segment = new Segment(pieces[_next++], _last);
        if (_first is null || (_first == _last && _firstOffset == _first.Memory.Length))
        {
            _first = segment;
            _firstOffset = 0;
        }

        _last = segment;
        return true;
    }

    /// <summary>Drops what was consumed of <paramref name="buffer"/>; a position outside it is a parser bug.</summary>
    public void AdvanceTo(ReadOnlySequence<byte> buffer, SequencePosition consumed)
    {
        if (buffer.IsEmpty)
        {
            return;
        }

        long offset = buffer.Slice(buffer.Start, consumed).Length;
        if (offset < 0 || offset > buffer.Length)
        {
            throw new InvalidOperationException("Consumed outside the buffer.");
        }

        _first = (Segment)consumed.GetObject()!;
        _firstOffset = consumed.GetInteger();
        while (_firstOffset == _first.Memory.Length && _first.Next is Segment next)
        {
            _first = next;
            _firstOffset = 0;
        }
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
