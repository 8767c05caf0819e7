using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Tests.ServerSentEvents;

/// <summary>
/// Allocation measurements run alone: a buffer the reader grows into comes from the shared ArrayPool, which
/// concurrently running tests can drain, turning a pooled rent into a fresh allocation mid-measurement.
/// </summary>
[CollectionDefinition(nameof(AllocationMeasurements), DisableParallelization = true)]
public sealed class AllocationMeasurements
{
}

/// <summary>The reader allocates nothing per event once its buffers have grown (measured on this thread).</summary>
[Collection(nameof(AllocationMeasurements))]
public sealed class SseEventReaderAllocationTests
{
    private const int Warmup = 200;

    [Theory]
    [InlineData(2_000)]
    [InlineData(20_000)]
    public void MoveNext_SteadyState_AllocatesZeroBytesPerEvent(int events)
    {
        byte[] body = McpShapedStream(events);

        // A first pass over the same stream grows the pooled buffers to their final sizes and returns them, so the
        // measured reader rents them back instead of growing mid-measurement (a growth may find the pool empty).
        using (var first = new SseEventReader(new ReadOnlySequence<byte>(body)))
        {
            Drain(first, int.MaxValue);
        }

        using var reader = new SseEventReader(new ReadOnlySequence<byte>(body));
        long checksum = Drain(reader, Warmup);

        long before = GC.GetAllocatedBytesForCurrentThread();
        checksum += Drain(reader, int.MaxValue);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.True(checksum > 0);
    }

    [Theory]
    [InlineData(2_000)]
    [InlineData(20_000)]
    public async Task MoveNextAsync_SteadyState_AllocatesLessThanOneBytePerEvent(int events)
    {
        // PipeReader.Create over a MemoryStream completes every read synchronously, so all work stays on this thread.
        // The pipe itself may allocate a little per 4 KiB segment it rents; the reader allocates nothing per event.
        byte[] body = McpShapedStream(events);
        PipeReader pipe = PipeReader.Create(new MemoryStream(body));
        using var reader = new SseEventReader(pipe);
        for (int i = 0; i < Warmup; i++)
        {
            Assert.True(await reader.MoveNextAsync());
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int count = Warmup;
        while (await reader.MoveNextAsync())
        {
            count++;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        await pipe.CompleteAsync();

        Assert.Equal(events, count);
        Assert.InRange(allocated, 0, events - Warmup);
    }

    /// <summary>Events as MCP servers send them: type, uuid-like id, ~100 bytes of JSON-RPC.</summary>
    internal static byte[] McpShapedStream(int events)
    {
        var text = new StringBuilder();
        for (int i = 0; i < events; i++)
        {
            text.Append("event: message\nid: 0b3e6f1c-")
                .Append(i.ToString("D12", System.Globalization.CultureInfo.InvariantCulture))
                .Append("\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":")
                .Append(i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Append(",\"total\":100}}\n\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static long Drain(SseEventReader reader, int max)
    {
        long checksum = 0;
        for (int i = 0; i < max && reader.MoveNext(); i++)
        {
            SseEvent e = reader.Current;
            checksum += e.Data.Length + e.EventType.Length + e.Id.Length;
        }

        return checksum;
    }
}
