using System.Text;
using System.Threading.Channels;

namespace Cortex.Mcp.Fast.Tests.Transports.Streams;

/// <summary>
/// A response body the test feeds chunk by chunk: a read returns the next chunk written, or blocks (honouring its
/// token) until one is. The test can wait until a read is blocked, which proves every earlier chunk was read, and can
/// see whether the token of the blocked read was cancelled (a stall watchdog cancels it synchronously).
/// </summary>
internal sealed class ControlledBodyStream : Stream
{
    private readonly Channel<Chunk> _chunks = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();
    private TaskCompletionSource _blockedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _blockedReads;
    private ReadOnlyMemory<byte> _rest;

    /// <summary>Reads that found no chunk and waited.</summary>
    public int BlockedReads
    {
        get
        {
            lock (_gate)
            {
                return _blockedReads;
            }
        }
    }

    /// <summary>The token of the last read that waited.</summary>
    public CancellationToken LastBlockedReadToken { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public void Feed(string text) => Feed(Encoding.UTF8.GetBytes(text));

    public void Feed(byte[] bytes) => _chunks.Writer.TryWrite(new Chunk(bytes, null));

    public void End() => _chunks.Writer.TryComplete();

    public void Fail(Exception exception) => _chunks.Writer.TryWrite(new Chunk(default, exception));

    /// <summary>Completes once <see cref="BlockedReads"/> reaches <paramref name="count"/>.</summary>
    public async Task WaitForBlockedReadsAsync(int count, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task signal;
            lock (_gate)
            {
                if (_blockedReads >= count)
                {
                    return;
                }

                signal = _blockedSignal.Task;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Feeds <paramref name="text"/> and waits until the reader has taken it and asks for more.</summary>
    public async Task FeedAndWaitAsync(string text, CancellationToken cancellationToken)
    {
        var blocked = BlockedReads;
        Feed(text);
        await WaitForBlockedReadsAsync(blocked + 1, cancellationToken);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_rest.IsEmpty)
        {
            if (!_chunks.Reader.TryRead(out var chunk))
            {
                lock (_gate)
                {
                    LastBlockedReadToken = cancellationToken;
                    _blockedReads++;
                    var signal = _blockedSignal;
                    _blockedSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    signal.TrySetResult();
                }

                if (!await _chunks.Reader.WaitToReadAsync(cancellationToken) || !_chunks.Reader.TryRead(out chunk))
                {
                    return 0;
                }
            }

            if (chunk.Error is not null)
            {
                throw chunk.Error;
            }

            _rest = chunk.Bytes;
        }

        var n = Math.Min(buffer.Length, _rest.Length);
        _rest[..n].CopyTo(buffer);
        _rest = _rest[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("async only");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private readonly record struct Chunk(ReadOnlyMemory<byte> Bytes, Exception? Error);
}
