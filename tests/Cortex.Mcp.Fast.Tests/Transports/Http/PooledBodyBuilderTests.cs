using System.Buffers;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.Tests.Transports.Http;

/// <summary>
/// Fault-matrix row 17's memory bound for a streamed body: gathered in fixed segments, a body refused at the limit has
/// cost at most the limit plus one small first buffer (a doubling buffer costs up to twice the limit), and every body
/// up to the limit comes back whole and in order across segment boundaries.
/// </summary>
public sealed class PooledBodyBuilderTests
{
    private const int Limit = 1 << 20;

    [Fact]
    public async Task ReadPooled_ChunkedBodyFarOverTheLimit_AllocatesAtMostTheLimitPlus64KiB()
    {
        var data = new byte[8 * Limit];
        using var warm = ScriptedBodyStream.Content(new byte[16], chunk: 16);
        ArrayPool<byte>.Shared.Return((await HttpBodies.ReadPooledAsync(warm, Limit, CancellationToken.None)).Buffer);
        using var content = ScriptedBodyStream.Content(data, chunk: 16 * 1024);

        // The scripted stream completes synchronously, so the whole read runs on this thread.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var failure = await Assert.ThrowsAsync<TransportFailure>(() => HttpBodies.ReadPooledAsync(content, Limit, CancellationToken.None).AsTask());
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(FailureKind.ProtocolError, failure.Kind);
        Assert.Contains("exceeds the limit", failure.Message, StringComparison.Ordinal);
        Assert.True(allocated <= Limit + (64 * 1024), $"allocated {allocated:N0} bytes for a {Limit:N0}-byte limit");
    }

    [Theory]
    [InlineData(0, 7)]
    [InlineData(1, 7)]
    [InlineData(4095, 4096)]
    [InlineData(4097, 4096)]
    [InlineData(65535, 1000)]
    [InlineData(65536, 65536)]
    [InlineData(65537, 7)]
    [InlineData(200_001, 30_000)]
    [InlineData(Limit, 100_000)]
    public async Task ReadPooled_StreamedBodyUpToTheLimit_ComesBackWholeAcrossSegments(int size, int chunk)
    {
        var data = Pattern(size);
        using var content = ScriptedBodyStream.Content(data, chunk: chunk);

        var (buffer, length) = await HttpBodies.ReadPooledAsync(content, Limit, CancellationToken.None);
        try
        {
            Assert.Equal(size, length);
            Assert.True(buffer.AsSpan(0, length).SequenceEqual(data), "the body differs");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [Theory]
    [InlineData(5000, 4096)]    // an odd limit just past the first buffer
    [InlineData(70_000, 65536)] // an odd limit just past the first segment
    public async Task ReadPooled_OddLimits_ExactlyAtTheLimitIsAcceptedAndOneMoreByteRefused(int limit, int chunk)
    {
        using (var exact = ScriptedBodyStream.Content(Pattern(limit), chunk: chunk))
        {
            var (buffer, length) = await HttpBodies.ReadPooledAsync(exact, limit, CancellationToken.None);
            Assert.Equal(limit, length);
            ArrayPool<byte>.Shared.Return(buffer);
        }

        using var over = ScriptedBodyStream.Content(Pattern(limit + 1), chunk: chunk);
        await Assert.ThrowsAsync<TransportFailure>(() => HttpBodies.ReadPooledAsync(over, limit, CancellationToken.None).AsTask());
    }

    [Fact]
    public void TryAppend_SequencesAcrossSegments_KeepOrderAndRefuseWhatWouldCrossTheLimit()
    {
        const int limit = 150_000;
        var data = Pattern(limit);
        var builder = new PooledBodyBuilder(limit, 0);
        var at = 0;
        foreach (var size in new[] { 3, 5000, 70_000, 1, 74_996 })
        {
            Assert.True(builder.TryAppend(new ReadOnlySequence<byte>(data, at, size)));
            at += size;
        }

        Assert.Equal(limit, builder.Length);
        Assert.False(builder.TryAppend(new ReadOnlySequence<byte>(new byte[1])));
        var (buffer, length) = builder.Complete();
        Assert.Equal(limit, length);
        Assert.True(buffer.AsSpan(0, length).SequenceEqual(data), "the body differs");
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 31 % 251);
        }

        return bytes;
    }
}
