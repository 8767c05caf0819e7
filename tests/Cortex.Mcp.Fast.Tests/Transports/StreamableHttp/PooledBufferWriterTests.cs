using Cortex.Mcp.Fast.Tests.Transports.StreamableHttp.Support;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

/// <summary>The per-thread slot behind <see cref="PooledBufferWriter.Rent"/>; each case runs on a thread of its own so
/// no other test's writer sits in the slot.</summary>
public sealed class PooledBufferWriterTests
{
    [Fact]
    public void Rent_AfterADispose_OnTheSameThread_ReusesTheWriter_WithAFreshEmptyBuffer() => OwnThread.Run(() =>
    {
        var first = PooledBufferWriter.Rent();
        "abc"u8.CopyTo(first.GetSpan(3));
        first.Advance(3);
        first.Dispose();

        var second = PooledBufferWriter.Rent();
        Assert.Same(first, second);
        Assert.Equal(0, second.WrittenSpan.Length);
        "xy"u8.CopyTo(second.GetSpan(2));
        second.Advance(2);
        Assert.Equal("xy"u8.ToArray(), second.WrittenSpan.ToArray());
        second.Dispose();
    });

    [Fact]
    public void DisposedTwice_IsInTheSlotOnce_SoTwoRentsGetTwoWriters() => OwnThread.Run(() =>
    {
        var writer = PooledBufferWriter.Rent();
        writer.Dispose();
        writer.Dispose();

        using var a = PooledBufferWriter.Rent();
        using var b = PooledBufferWriter.Rent();
        Assert.Same(writer, a);
        Assert.NotSame(a, b);
    });

    [Fact]
    public void Disposed_RefusesToWrite() => OwnThread.Run(() =>
    {
        var writer = new PooledBufferWriter(16);
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.GetSpan(1));
    });
}
