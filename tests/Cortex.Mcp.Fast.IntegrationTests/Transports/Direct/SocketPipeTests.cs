using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Cortex.Mcp.Fast.IntegrationTests.Testing;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.IntegrationTests.Transports.Direct;

/// <summary>The direct engine's inline socket reader and writer over a real loopback socket pair.</summary>
public sealed class SocketPipeTests : IAsyncLifetime, IDisposable
{
    private Socket _client = null!;
    private Socket _server = null!;

    public async Task InitializeAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        _client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Task<Socket> accept = listener.AcceptAsync();
        await _client.ConnectAsync(listener.LocalEndPoint!);
        _server = await accept;
    }

    public Task DisposeAsync()
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _client?.Dispose();
        _server?.Dispose();
    }

    [Fact]
    public async Task Read_PartlyConsumed_NextReadHoldsTheRestAndTheNewBytesContiguously()
    {
        using var cts = TestHttp.Deadline();
        var reader = new SocketPipeReader(_client);
        await _server.SendAsync("HTTP/1.1 200"u8.ToArray(), cts.Token);
        ReadResult first = await ReadAtLeastAsync(reader, 12, cts.Token);
        Assert.Equal("HTTP/1.1 200"u8.ToArray(), first.Buffer.ToArray());

        // Consume "HTTP/1.1 ", examine everything: the next read must wait for new bytes, then return both.
        reader.AdvanceTo(first.Buffer.GetPosition(9), first.Buffer.End);
        Assert.False(reader.TryRead(out _));
        await _server.SendAsync(" OK\r\n"u8.ToArray(), cts.Token);
        ReadResult second = await ReadAtLeastAsync(reader, 8, cts.Token);
        Assert.Equal("200 OK\r\n"u8.ToArray(), second.Buffer.ToArray());
        Assert.True(second.Buffer.IsSingleSegment);
        reader.AdvanceTo(second.Buffer.End);
        Assert.False(reader.HasUnconsumedBytes);
        reader.Complete();
    }

    [Fact]
    public async Task Read_NotExamined_ReturnsTheSameBytesAtOnce()
    {
        using var cts = TestHttp.Deadline();
        var reader = new SocketPipeReader(_client);
        await _server.SendAsync("abc"u8.ToArray(), cts.Token);
        ReadResult first = await ReadAtLeastAsync(reader, 3, cts.Token);
        reader.AdvanceTo(first.Buffer.Start, first.Buffer.GetPosition(1));
        // Nothing new was sent: a read that waited for the socket would never end.
        Assert.True(reader.TryRead(out ReadResult again));
        Assert.Equal("abc"u8.ToArray(), again.Buffer.ToArray());
        reader.AdvanceTo(again.Buffer.End);
        reader.Complete();
    }

    [Fact]
    public async Task Read_HeldPastTheFirstBuffer_GrowsAndKeepsEveryByteInOrder()
    {
        using var cts = TestHttp.Deadline();
        var reader = new SocketPipeReader(_client);
        byte[] sent = new byte[(SocketPipeReader.InitialSize * 5) + 123];
        new Random(7).NextBytes(sent);
        Task send = _server.SendAsync(sent, cts.Token).AsTask();

        // Never consume until everything is there: the reader has to grow rather than lose or reorder bytes.
        ReadResult all = await ReadAtLeastAsync(reader, sent.Length, cts.Token);
        await send;
        Assert.Equal(sent, all.Buffer.ToArray());
        reader.AdvanceTo(all.Buffer.End);
        reader.Complete();
    }

    [Fact]
    public async Task Read_ConsumedPieceByPiece_MovesTheRestToTheFrontAndLosesNothing()
    {
        using var cts = TestHttp.Deadline();
        var reader = new SocketPipeReader(_client);
        byte[] sent = new byte[200_000];
        new Random(11).NextBytes(sent);
        Task send = _server.SendAsync(sent, cts.Token).AsTask();
        var received = new List<byte>(sent.Length);
        while (received.Count < sent.Length)
        {
            ReadResult result = await reader.ReadAsync(cts.Token);
            Assert.False(result.IsCompleted);

            // Consume all but the last 7 bytes each time (like a parser waiting for the rest of a line).
            long take = Math.Max(0, result.Buffer.Length - 7);
            if (received.Count + result.Buffer.Length == sent.Length)
            {
                take = result.Buffer.Length;
            }

            received.AddRange(result.Buffer.Slice(0, take).ToArray());
            reader.AdvanceTo(result.Buffer.GetPosition(take), result.Buffer.End);
        }

        await send;
        Assert.Equal(sent, received.ToArray());
        reader.Complete();
    }

    [Fact]
    public async Task TryRead_IdleSocket_IsFalse_ThenSeesStrayBytes_ThenTheClose()
    {
        using var cts = TestHttp.Deadline();
        var reader = new SocketPipeReader(_client);
        Assert.False(reader.TryRead(out _));

        await _server.SendAsync("x"u8.ToArray(), cts.Token);
        ReadResult stray = await ReadAtLeastAsync(reader, 1, cts.Token);
        reader.AdvanceTo(stray.Buffer.Start);
        Assert.True(reader.TryRead(out ReadResult seen));
        Assert.Equal("x"u8.ToArray(), seen.Buffer.ToArray());
        reader.AdvanceTo(seen.Buffer.End);

        _server.Shutdown(SocketShutdown.Send);
        ReadResult end = await reader.ReadAsync(cts.Token);
        Assert.True(end.IsCompleted);
        Assert.True(end.Buffer.IsEmpty);
        Assert.True(reader.TryRead(out ReadResult after));
        Assert.True(after.IsCompleted);
        reader.Complete();
    }

    [Fact]
    public async Task ReadAhead_IdleCheckIsFree_ThenTheNextBytesArriveIntoIt()
    {
        using var cts = TestHttp.Deadline();
        var reader = new SocketPipeReader(_client);
        reader.StartReadAhead();
        Assert.False(reader.TryRead(out _));        // idle and quiet: no bytes, no system call

        await _server.SendAsync("HTTP/1.1 204 No Content\r\n\r\n"u8.ToArray(), cts.Token);
        ReadResult response = await ReadAtLeastAsync(reader, 25, cts.Token);
        Assert.Equal("HTTP/1.1 204 No Content\r\n\r\n"u8.ToArray(), response.Buffer.ToArray());
        reader.AdvanceTo(response.Buffer.End);

        // Idle again: a close while idle completes the read-ahead, and every check after it sees the end.
        reader.StartReadAhead();
        _server.Shutdown(SocketShutdown.Send);
        ReadResult closed = await reader.ReadAsync(cts.Token);
        Assert.True(reader.TryRead(out ReadResult again) && again.IsCompleted);
        Assert.True(closed.IsCompleted);
        reader.Complete();
    }

    [Fact]
    public async Task ReadAhead_ReadCanceled_EndsAsCanceled()
    {
        using var cts = TestHttp.Deadline();
        var reader = new SocketPipeReader(_client);
        reader.StartReadAhead();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        ValueTask<ReadResult> pending = reader.ReadAsync(cancel.Token);
        Assert.False(pending.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
        reader.Complete();
    }

    [Fact]
    public async Task Read_Canceled_EndsAsCanceledWithoutBytes()
    {
        using var cts = TestHttp.Deadline();
        var reader = new SocketPipeReader(_client);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        ValueTask<ReadResult> pending = reader.ReadAsync(cancel.Token);
        Assert.False(pending.IsCompleted);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
        reader.Complete();
        Assert.Throws<ObjectDisposedException>(() => reader.TryRead(out _));
    }

    [Fact]
    public async Task Write_LargeRequest_ArrivesWholeAndIsCountedAsSent()
    {
        using var cts = TestHttp.Deadline();
        var writer = new SocketPipeWriter(_client);
        byte[] body = new byte[300_000];
        new Random(3).NextBytes(body);
        writer.Write(body);
        Assert.Equal(body.Length, writer.UnflushedBytes);
        Task<byte[]> receive = ReceiveExactlyAsync(_server, body.Length, cts.Token);
        await writer.FlushAsync(cts.Token);
        Assert.Equal(body, await receive);
        Assert.Equal(body.Length, writer.BytesSent);
        Assert.Equal(0, writer.UnflushedBytes);

        writer.Write("more"u8);
        await writer.FlushAsync(cts.Token);
        Assert.Equal("more"u8.ToArray(), await ReceiveExactlyAsync(_server, 4, cts.Token));
        Assert.Equal(body.Length + 4, writer.BytesSent);
        writer.Complete();
    }

    [Fact]
    public async Task Write_AfterThePeerReset_FailsWithoutCountingABytesAsSent()
    {
        using var cts = TestHttp.Deadline();
        var writer = new SocketPipeWriter(_client);
        _server.LingerState = new LingerOption(true, 0);
        _server.Close();

        // The reset reaches the client socket asynchronously: keep sending until the kernel refuses (bounded).
        SocketException? refused = null;
        long sentBeforeRefusal = 0;
        for (int i = 0; i < 1000 && refused is null; i++)
        {
            sentBeforeRefusal = writer.BytesSent;
            writer.Write("ping"u8);
            try
            {
                await writer.FlushAsync(cts.Token);
            }
            catch (SocketException ex)
            {
                refused = ex;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(sentBeforeRefusal, writer.BytesSent);
        writer.Complete();
    }

    private static async Task<ReadResult> ReadAtLeastAsync(SocketPipeReader reader, int count, CancellationToken ct)
    {
        while (true)
        {
            ReadResult result = await reader.ReadAsync(ct);
            if (result.Buffer.Length >= count || result.IsCompleted)
            {
                return result;
            }

            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    private static async Task<byte[]> ReceiveExactlyAsync(Socket socket, int count, CancellationToken ct)
    {
        byte[] buffer = new byte[count];
        int filled = 0;
        while (filled < count)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, ct);
            Assert.NotEqual(0, read);
            filled += read;
        }

        return buffer;
    }
}
