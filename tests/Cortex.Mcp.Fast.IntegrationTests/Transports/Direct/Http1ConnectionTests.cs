using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Cortex.Mcp.Fast.IntegrationTests.Testing;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.IntegrationTests.Transports.Direct;

/// <summary>The direct engine's connection against a real Kestrel (the Testing service) on loopback.</summary>
public sealed class Http1ConnectionKestrelTests : TestMcpServiceTest
{
    [Fact]
    public async Task Send_SequentialEchoes_ReuseOneConnection()
    {
        using var cts = TestHttp.Deadline();
        var request = new PreEncodedRequest("POST", "/tool/echo", Service.BaseAddress.Authority, [new("Content-Type", "application/json")]);
        await using Http1Connection connection = await ConnectAsync(Service.BaseAddress, cts.Token);
        for (int i = 0; i < 20; i++)
        {
            Http1ResponseHead head = await connection.SendAsync(request, default, Encoding.UTF8.GetBytes($"{{\"i\":{i}}}"), cts.Token);
            Assert.Equal(200, head.StatusCode);
            Assert.Equal(Http1ResponseHead.ApplicationJson, head.ContentType);
            Assert.Equal($"{{\"echo\":{{\"i\":{i}}}}}", await ReadBodyAsync(connection, cts.Token));
            Assert.True(connection.IsReusable);
        }

        Assert.Equal(1, Service.Counters.AcceptedConnections);
        Assert.Equal(20, Service.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task Send_UnknownPath_ReadsErrorBodyAndStaysReusable()
    {
        using var cts = TestHttp.Deadline();
        var request = new PreEncodedRequest("POST", "/nothing-here", Service.BaseAddress.Authority);
        await using Http1Connection connection = await ConnectAsync(Service.BaseAddress, cts.Token);
        Http1ResponseHead head = await connection.SendAsync(request, default, "{}"u8.ToArray(), cts.Token);
        Assert.Equal(404, head.StatusCode);
        await ReadBodyAsync(connection, cts.Token);
        Assert.True(connection.IsReusable);
    }

    internal static async Task<Http1Connection> ConnectAsync(Uri address, CancellationToken ct) =>
        await Http1Connection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, address.Port), Http1Limits.Default,
            TimeSpan.FromSeconds(5), TimeProvider.System, ct);

    internal static async Task<string> ReadBodyAsync(Http1Connection connection, CancellationToken ct)
    {
        var body = new StringBuilder();
        while (true)
        {
            ReadOnlySequence<byte> piece = await connection.ReadBodyAsync(ct);
            if (piece.IsEmpty)
            {
                return body.ToString();
            }

            body.Append(Encoding.UTF8.GetString(piece));
        }
    }
}

/// <summary>The direct engine's connection against scripted raw TCP servers: framings and hostile responses.</summary>
public sealed class Http1ConnectionRawTests
{
    private static readonly PreEncodedRequest s_request = new("POST", "/tool/echo", "127.0.0.1", [new("Content-Type", "application/json")]);

    [Fact]
    public async Task Send_ChunkedSseResponses_ReusedAcrossRequests()
    {
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            for (int i = 0; i < 3; i++)
            {
                if (await RawFault.ReadRequestHeadAsync(pipe.Input, ct) is null)
                {
                    return;
                }

                await SkipBodyAsync(pipe.Input, 2, ct);
                await pipe.Output.WriteAsync(Encoding.ASCII.GetBytes(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" +
                    "f\r\nevent: message\n\r\n" + $"b;ext=1\r\ndata: {{\"{i}\"}}\r\n1\r\n\n\r\n1\r\n\n\r\n0\r\nX-T: t\r\n\r\n"), ct);
            }

            // Keep the connection open until the client closes it (a FIN would rightly make it unfit for reuse).
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
        }));
        using var cts = TestHttp.Deadline();
        await using Http1Connection connection = await Http1ConnectionKestrelTests.ConnectAsync(server.BaseAddress, cts.Token);
        for (int i = 0; i < 3; i++)
        {
            Http1ResponseHead head = await connection.SendAsync(s_request, default, "{}"u8.ToArray(), cts.Token);
            Assert.Equal(Http1BodyFraming.Chunked, head.Framing);
            Assert.Equal(Http1ResponseHead.TextEventStream, head.ContentType);
            Assert.Equal($"event: message\ndata: {{\"{i}\"}}\n\n", await Http1ConnectionKestrelTests.ReadBodyAsync(connection, cts.Token));
            Assert.True(connection.IsReusable, $"response {i}");
        }

        Assert.Equal(1, server.AcceptedConnections);
    }

    [Fact]
    public async Task Send_CloseDelimitedBody_ReadUntilFinThenNotReusable()
    {
        await using var server = RespondOnce("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it until the end");
        using var cts = TestHttp.Deadline();
        await using Http1Connection connection = await Http1ConnectionKestrelTests.ConnectAsync(server.BaseAddress, cts.Token);
        Http1ResponseHead head = await connection.SendAsync(s_request, default, "{}"u8.ToArray(), cts.Token);
        Assert.Equal(Http1BodyFraming.CloseDelimited, head.Framing);
        Assert.Equal("all of it until the end", await Http1ConnectionKestrelTests.ReadBodyAsync(connection, cts.Token));
        Assert.False(connection.IsReusable);
    }

    [Fact]
    public async Task Send_ContentLengthAndChunked_Refused()
    {
        await using var server = RespondOnce("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        using var cts = TestHttp.Deadline();
        await using Http1Connection connection = await Http1ConnectionKestrelTests.ConnectAsync(server.BaseAddress, cts.Token);
        var ex = await Assert.ThrowsAsync<Http1ProtocolException>(async () => await connection.SendAsync(s_request, default, "{}"u8.ToArray(), cts.Token));
        Assert.Equal(Http1ProtocolError.ContentLengthAndChunked, ex.Error);
        Assert.False(connection.IsReusable);
    }

    [Fact]
    public async Task Send_BytesAfterTheResponse_ConnectionDiscarded()
    {
        await using var server = RespondOnce("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", keepOpen: true);
        using var cts = TestHttp.Deadline();
        await using Http1Connection connection = await Http1ConnectionKestrelTests.ConnectAsync(server.BaseAddress, cts.Token);
        await connection.SendAsync(s_request, default, "{}"u8.ToArray(), cts.Token);
        Assert.Equal("ok", await Http1ConnectionKestrelTests.ReadBodyAsync(connection, cts.Token));
        Assert.False(connection.IsReusable);
    }

    [Fact]
    public async Task Send_StrayBytesWhileIdle_NextRequestProvablyNotSent()
    {
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            await SkipBodyAsync(pipe.Input, 2, ct);
            await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), ct);
            await sent.Task.WaitAsync(ct);
            await pipe.Output.WriteAsync("X"u8.ToArray(), ct);
        }));
        using var cts = TestHttp.Deadline();
        await using Http1Connection connection = await Http1ConnectionKestrelTests.ConnectAsync(server.BaseAddress, cts.Token);
        await connection.SendAsync(s_request, default, "{}"u8.ToArray(), cts.Token);
        Assert.Equal("ok", await Http1ConnectionKestrelTests.ReadBodyAsync(connection, cts.Token));
        Assert.True(connection.IsReusable);
        sent.SetResult();

        // The stray byte (then the FIN) arrives on its own schedule: retry the check until the connection notices.
        long before = connection.BytesSent;
        Http1ConnectionException? failure = null;
        while (failure is null)
        {
            cts.Token.ThrowIfCancellationRequested();
            if (!connection.IsQuiet())
            {
                failure = await Assert.ThrowsAsync<Http1ConnectionException>(async () =>
                    await connection.SendAsync(s_request, default, "{}"u8.ToArray(), cts.Token));
            }
            else
            {
                await Task.Yield();
            }
        }

        Assert.True(failure.RequestNotSent);
        Assert.Equal(before, connection.BytesSent);
    }

    [Fact]
    public async Task Send_ResetMidBody_ConnectionFailure()
    {
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhalf"u8.ToArray(), ct);
            throw new InvalidOperationException("reset (the server resets the connection when a handler throws)");
        }));
        using var cts = TestHttp.Deadline();
        await using Http1Connection connection = await Http1ConnectionKestrelTests.ConnectAsync(server.BaseAddress, cts.Token);
        // The reset may overtake the head: either way the exchange fails as a connection failure after sending.
        var ex = await Assert.ThrowsAsync<Http1ConnectionException>(async () =>
        {
            await connection.SendAsync(s_request, default, "{}"u8.ToArray(), cts.Token);
            await Http1ConnectionKestrelTests.ReadBodyAsync(connection, cts.Token);
        });
        Assert.False(ex.RequestNotSent);
        Assert.False(connection.IsReusable);
    }

    [Fact]
    public async Task Send_ContentLengthLie_UnexpectedEnd()
    {
        await using var server = RawTcpTestServer.Start(RawFault.ContentLengthLie);
        using var cts = TestHttp.Deadline();
        await using Http1Connection connection = await Http1ConnectionKestrelTests.ConnectAsync(server.BaseAddress, cts.Token);
        await connection.SendAsync(s_request, default, "{}"u8.ToArray(), cts.Token);
        await Assert.ThrowsAsync<Http1ConnectionException>(async () => await Http1ConnectionKestrelTests.ReadBodyAsync(connection, cts.Token));
        Assert.False(connection.IsReusable);
    }

    [Fact]
    public async Task Connect_NothingListening_ProvablyNotSent()
    {
        await using var server = RawTcpTestServer.Start(RawFault.Hang);
        var address = server.BaseAddress;
        await server.DisposeAsync();
        using var cts = TestHttp.Deadline();
        var ex = await Assert.ThrowsAsync<Http1ConnectionException>(async () => await Http1ConnectionKestrelTests.ConnectAsync(address, cts.Token));
        Assert.True(ex.RequestNotSent);
    }

    /// <summary>Answers the first request with <paramref name="response"/>; then closes, or with
    /// <paramref name="keepOpen"/> waits for the client to close first (so only the response decides reuse).</summary>
    private static RawTcpTestServer RespondOnce(string response, bool keepOpen = false) => RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
    {
        if (await RawFault.ReadRequestHeadAsync(pipe.Input, ct) is not null)
        {
            await pipe.Output.WriteAsync(Encoding.ASCII.GetBytes(response), ct);
            if (keepOpen)
            {
                await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            }
        }
    }));

    private static async Task SkipBodyAsync(PipeReader input, int length, CancellationToken ct)
    {
        ReadResult result = await input.ReadAtLeastAsync(length, ct);
        input.AdvanceTo(result.Buffer.GetPosition(length));
    }
}
