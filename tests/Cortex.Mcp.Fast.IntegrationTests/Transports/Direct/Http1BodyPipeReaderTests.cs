using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Cortex.Mcp.Fast.IntegrationTests.Testing;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Http.Direct;
using Cortex.Mcp.Fast.Transports.Streams;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Transports.Direct;

/// <summary>
/// The direct engine's body as a <see cref="PipeReader"/> (what the event-stream reader reads), over a raw TCP server:
/// pieces straight from the connection, an unread tail carried across pieces, the end, and a cancelled pending read.
/// </summary>
public sealed class Http1BodyPipeReaderTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static TheoryData<int> ChunkSizes => new() { 1, 2, 3, 7, 16, 1000 };

    [Theory]
    [MemberData(nameof(ChunkSizes))]
    public async Task LinesSplitAcrossChunks_ConsumerLeavingTails_GetsEveryLineOnceAndTheEnd(int chunkSize)
    {
        using var cts = new CancellationTokenSource(Bound);
        string[] lines = [.. Enumerable.Range(0, 40).Select(i => $"data: line {i} {new string('x', i % 11)}")];
        byte[] body = Encoding.ASCII.GetBytes(string.Concat(lines.Select(l => l + "\n")));
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray(), ct);
            for (int i = 0; i < body.Length; i += chunkSize)
            {
                int n = Math.Min(chunkSize, body.Length - i);
                await pipe.Output.WriteAsync(Encoding.ASCII.GetBytes($"{n:x}\r\n"), ct);
                await pipe.Output.WriteAsync(body.AsMemory(i, n), ct);
                await pipe.Output.WriteAsync("\r\n"u8.ToArray(), ct);
            }

            await pipe.Output.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct); // keep the connection open until the client leaves
        }));
        await using var engine = new DirectHttpEngine(server.BaseAddress, new DirectHttpEngineSettings(), tls: null, TimeProvider.System);
        var target = engine.CreateTarget(HttpMethod.Get, new Uri(server.BaseAddress, "sse"), "text/event-stream", contentType: null);
        var progress = new LineProgress(TimeProvider.System);

        var response = await engine.SendAsync(target, default, ReadOnlyMemory<byte>.Empty, cts.Token);
        await using (response)
        {
            Assert.True(response.IsEventStream);
            PipeReader reader = await response.OpenBodyPipeAsync(progress, cts.Token);
            var seen = new List<string>();
            for (int reads = 0; reads < 100_000; reads++)
            {
                ReadResult result = await reader.ReadAsync(cts.Token);
                ReadOnlySequence<byte> buffer = result.Buffer;

                // Consume whole lines only: an incomplete line stays in the reader (the carried tail).
                SequencePosition? newline;
                while ((newline = buffer.PositionOf((byte)'\n')) is { } at)
                {
                    seen.Add(Encoding.ASCII.GetString(buffer.Slice(0, at)));
                    buffer = buffer.Slice(buffer.GetPosition(1, at));
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    Assert.True(buffer.IsEmpty);
                    break;
                }
            }

            await reader.CompleteAsync();
            Assert.Equal(lines, seen);
            Assert.Equal(0, progress.PartialLineSince);
        }

        Assert.Equal(1, engine.Pool.IdleConnections); // read to its end: kept for the next request
    }

    [Fact]
    public async Task CancelPendingRead_WhileWaitingForBytes_EndsTheReadAsCanceledAndTheConnectionIsNotReused()
    {
        using var cts = new CancellationTokenSource(Bound);
        var headSent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 100\r\n\r\ndata: partial"u8.ToArray(), ct);
            headSent.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct); // then silence, until the test ends
        }));
        await using var engine = new DirectHttpEngine(server.BaseAddress, new DirectHttpEngineSettings(), tls: null, TimeProvider.System);
        var target = engine.CreateTarget(HttpMethod.Get, new Uri(server.BaseAddress, "sse"), "text/event-stream", contentType: null);
        var clock = new FakeTimeProvider();
        var progress = new LineProgress(clock);

        var response = await engine.SendAsync(target, default, ReadOnlyMemory<byte>.Empty, cts.Token);
        await using (response)
        {
            PipeReader reader = await response.OpenBodyPipeAsync(progress, cts.Token);
            ReadResult first = await reader.ReadAsync(cts.Token);
            Assert.Equal("data: partial", Encoding.ASCII.GetString(first.Buffer));
            Assert.NotEqual(0, progress.PartialLineSince); // an incomplete line is pending
            reader.AdvanceTo(first.Buffer.Start, first.Buffer.End);

            ValueTask<ReadResult> pending = reader.ReadAsync(cts.Token);
            Assert.False(pending.IsCompleted);
            reader.CancelPendingRead();
            ReadResult canceled = await pending.AsTask().WaitAsync(cts.Token);

            Assert.True(canceled.IsCanceled);
            Assert.Equal("data: partial", Encoding.ASCII.GetString(canceled.Buffer)); // the carried tail is kept
            reader.AdvanceTo(canceled.Buffer.Start);
            await reader.CompleteAsync();
        }

        Assert.Equal(0, engine.Pool.OpenConnections);
    }

    [Fact]
    public async Task CallerToken_CancelsThePendingRead()
    {
        using var cts = new CancellationTokenSource(Bound);
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray(), ct);
            await Task.Delay(Timeout.Infinite, ct);
        }));
        await using var engine = new DirectHttpEngine(server.BaseAddress, new DirectHttpEngineSettings(), tls: null, TimeProvider.System);
        var target = engine.CreateTarget(HttpMethod.Get, new Uri(server.BaseAddress, "sse"), "text/event-stream", contentType: null);

        var response = await engine.SendAsync(target, default, ReadOnlyMemory<byte>.Empty, cts.Token);
        await using (response)
        {
            PipeReader reader = await response.OpenBodyPipeAsync(new LineProgress(TimeProvider.System), cts.Token);
            using var caller = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
            ValueTask<ReadResult> pending = reader.ReadAsync(caller.Token);
            await caller.CancelAsync();

            var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
            Assert.Equal(caller.Token, ex.CancellationToken);
        }
    }
}
