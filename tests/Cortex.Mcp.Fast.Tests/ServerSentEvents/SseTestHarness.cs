using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Tests.ServerSentEvents;

/// <summary>The line ending an example is written with.</summary>
public enum SseNewline
{
    Lf,
    Cr,
    CrLf,
}

/// <summary>How the input bytes are cut before the reader sees them.</summary>
public enum SseChunking
{
    /// <summary>One buffer (one segment, one write).</summary>
    Whole,

    /// <summary>One byte per segment, read or write.</summary>
    OneByte,

    /// <summary>Random cuts of 1 to 16 bytes, with a fixed seed.</summary>
    Random,
}

/// <summary>Which source and which move method the reader uses.</summary>
public enum SseSourceKind
{
    /// <summary><see cref="ReadOnlySequence{T}"/> built from the chunks as segments, read with MoveNext.</summary>
    Sync,

    /// <summary><see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/> over a trickle stream.</summary>
    AsyncStream,

    /// <summary>A <see cref="Pipe"/> whose writer writes and flushes each chunk on another task.</summary>
    AsyncPipe,
}

/// <summary>One event as the tests compare it.</summary>
public sealed record SseTestEvent(string Type, string Data, string Id);

/// <summary>Everything a parse of a whole stream produced.</summary>
public sealed record SseParseResult(IReadOnlyList<SseTestEvent> Events, string LastEventId, TimeSpan? ReconnectionInterval);

/// <summary>Runs the reader over the newline × chunking × source matrix (STYLE habit 9).</summary>
public static class SseTestHarness
{
    /// <summary>Every combination, for <c>[MemberData]</c>.</summary>
    public static TheoryData<SseNewline, SseChunking, SseSourceKind> Matrix()
    {
        var data = new TheoryData<SseNewline, SseChunking, SseSourceKind>();
        foreach (SseNewline newline in Enum.GetValues<SseNewline>())
        {
            foreach (SseChunking chunking in Enum.GetValues<SseChunking>())
            {
                foreach (SseSourceKind source in Enum.GetValues<SseSourceKind>())
                {
                    data.Add(newline, chunking, source);
                }
            }
        }

        return data;
    }

    /// <summary>Chunking × source, for tests that fix their own line endings.</summary>
    public static TheoryData<SseChunking, SseSourceKind> SourceMatrix()
    {
        var data = new TheoryData<SseChunking, SseSourceKind>();
        foreach (SseChunking chunking in Enum.GetValues<SseChunking>())
        {
            foreach (SseSourceKind source in Enum.GetValues<SseSourceKind>())
            {
                data.Add(chunking, source);
            }
        }

        return data;
    }

    /// <summary>Rewrites the LF line endings of an example into <paramref name="newline"/> and encodes it.</summary>
    public static byte[] Encode(string lfText, SseNewline newline) =>
        Encoding.UTF8.GetBytes(lfText.Replace("\n", newline switch
        {
            SseNewline.Lf => "\n",
            SseNewline.Cr => "\r",
            _ => "\r\n",
        }, StringComparison.Ordinal));

    /// <summary>Cuts <paramref name="bytes"/> as <paramref name="chunking"/> says.</summary>
    public static List<byte[]> Cut(byte[] bytes, SseChunking chunking, int seed = 42)
    {
        if (chunking == SseChunking.Whole)
        {
            return [bytes];
        }

        var random = new Random(seed);
        var chunks = new List<byte[]>();
        for (int offset = 0; offset < bytes.Length;)
        {
            int size = chunking == SseChunking.OneByte ? 1 : Math.Min(random.Next(1, 17), bytes.Length - offset);
            chunks.Add(bytes[offset..(offset + size)]);
            offset += size;
        }

        return chunks;
    }

    /// <summary>Cuts <paramref name="bytes"/> at the given offsets (any order, any value; reduced modulo the length).</summary>
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

    /// <summary>Parses an LF-written example over one cell of the matrix.</summary>
    public static Task<SseParseResult> ParseAsync(
        string lfText, SseNewline newline, SseChunking chunking, SseSourceKind source, SseParserOptions? options = null) =>
        ParseChunksAsync(Cut(Encode(lfText, newline), chunking), source, options);

    /// <summary>Parses the given chunks with the given source kind, to the end of the stream.</summary>
    public static async Task<SseParseResult> ParseChunksAsync(List<byte[]> chunks, SseSourceKind source, SseParserOptions? options = null)
    {
        switch (source)
        {
            case SseSourceKind.Sync:
                using (var reader = new SseEventReader(ToSequence(chunks), options))
                {
                    var events = new List<SseTestEvent>();
                    while (reader.MoveNext())
                    {
                        events.Add(Snapshot(reader.Current));
                    }

                    return Result(reader, events);
                }

            case SseSourceKind.AsyncStream:
                {
                    PipeReader pipe = PipeReader.Create(new TrickleStream(chunks));
                    try
                    {
                        return await ReadAllAsync(pipe, options);
                    }
                    finally
                    {
                        await pipe.CompleteAsync();
                    }
                }

            default:
                {
                    var pipe = new Pipe();
                    Task writer = Task.Run(async () =>
                    {
                        try
                        {
                            foreach (byte[] chunk in chunks)
                            {
                                await pipe.Writer.WriteAsync(chunk);
                            }
                        }
                        finally
                        {
                            await pipe.Writer.CompleteAsync();
                        }
                    });
                    try
                    {
                        return await ReadAllAsync(pipe.Reader, options);
                    }
                    finally
                    {
                        await pipe.Reader.CompleteAsync();
                        await writer;
                    }
                }
        }
    }

    /// <summary>Builds a sequence with one segment per chunk (an empty sequence for no chunks).</summary>
    public static ReadOnlySequence<byte> ToSequence(IReadOnlyList<byte[]> chunks)
    {
        if (chunks.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        if (chunks.Count == 1)
        {
            return new ReadOnlySequence<byte>(chunks[0]);
        }

        var first = new Segment(chunks[0], 0);
        Segment last = first;
        for (int i = 1; i < chunks.Count; i++)
        {
            last = last.Append(chunks[i]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private static async Task<SseParseResult> ReadAllAsync(PipeReader pipe, SseParserOptions? options)
    {
        using var reader = new SseEventReader(pipe, options);
        var events = new List<SseTestEvent>();
        while (await reader.MoveNextAsync())
        {
            events.Add(Snapshot(reader.Current));
        }

        return Result(reader, events);
    }

    private static SseTestEvent Snapshot(SseEvent e)
    {
        string type = e.GetEventTypeString();
        Assert.Equal(type, Encoding.UTF8.GetString(e.EventType));
        Assert.Equal(e.Data.IsEmpty, e.IsDataEmpty);
        return new SseTestEvent(type, e.GetDataString(), e.GetIdString());
    }

    private static SseParseResult Result(SseEventReader reader, List<SseTestEvent> events) =>
        new(events, Encoding.UTF8.GetString(reader.LastEventId), reader.ReconnectionInterval);

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}

/// <summary>
/// A read-only stream that returns at most one chunk per read, completing every other read asynchronously so the
/// reader's await path runs too.
/// </summary>
public sealed class TrickleStream : Stream
{
    private readonly IReadOnlyList<byte[]> _chunks;
    private int _chunk;
    private int _offset;
    private int _reads;

    public TrickleStream(IReadOnlyList<byte[]> chunks) => _chunks = chunks;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_chunk == _chunks.Count || buffer.IsEmpty)
        {
            return 0;
        }

        byte[] chunk = _chunks[_chunk];
        int n = Math.Min(buffer.Length, chunk.Length - _offset);
        chunk.AsSpan(_offset, n).CopyTo(buffer);
        _offset += n;
        if (_offset == chunk.Length)
        {
            _chunk++;
            _offset = 0;
        }

        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (++_reads % 2 == 0)
        {
            await Task.Yield();
        }

        cancellationToken.ThrowIfCancellationRequested();
        return Read(buffer.Span);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
