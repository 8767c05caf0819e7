using System.Net;
using System.Net.Sockets;
using System.Text;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing;

public sealed class RawTcpTestServerTests
{
    [Fact]
    public async Task ResetBeforeHeaders_Get_FailsWithConnectionReset()
    {
        using var cts = TestHttp.Deadline();
        await using var server = RawTcpTestServer.Start(RawFault.ResetBeforeHeaders);
        using var client = TestHttp.CreateClient(server.BaseAddress);

        var ex = await TestHttp.AssertTransportFailureAsync(() => client.GetAsync("resource/events/1", cts.Token));

        Assert.Equal(1, server.Requests);
        Assert.Equal(1, server.AcceptedConnections);
        var socketError = FindInner<SocketException>(ex);
        Assert.True(socketError is null || socketError.SocketErrorCode == SocketError.ConnectionReset,
            $"unexpected socket error {socketError?.SocketErrorCode}");
    }

    [Fact]
    public async Task CloseBeforeHeaders_Post_FailsAsPrematureEnd()
    {
        using var cts = TestHttp.Deadline();
        await using var server = RawTcpTestServer.Start(RawFault.CloseBeforeHeaders);
        using var client = TestHttp.CreateClient(server.BaseAddress);

        var ex = await TestHttp.AssertTransportFailureAsync(() => client.CallAsync("echo", "{\"a\":1}", cts.Token));

        Assert.NotNull(FindInner<IOException>(ex) ?? ex as IOException);
        Assert.Equal(1, server.Requests);
        await server.WaitUntilAsync(s => s.OpenConnections == 0, cts.Token);
    }

    [Fact]
    public async Task ContentLengthLie_ReadBody_FailsWithIOException()
    {
        using var cts = TestHttp.Deadline();
        await using var server = RawTcpTestServer.Start(RawFault.ContentLengthLie);
        using var client = TestHttp.CreateClient(server.BaseAddress);

        using var request = new HttpRequestMessage(HttpMethod.Post, "tool/echo") { Content = new StringContent("{}") };
        using var headersOnly = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);

        Assert.Equal(HttpStatusCode.OK, headersOnly.StatusCode);
        Assert.Equal(1000, headersOnly.Content.Headers.ContentLength);
        await TestHttp.AssertTransportFailureAsync(() => headersOnly.Content.ReadAsByteArrayAsync(cts.Token));
    }

    [Fact]
    public async Task ContentLengthLie_BufferedRead_FailsWithHttpRequestException()
    {
        using var cts = TestHttp.Deadline();
        await using var server = RawTcpTestServer.Start(RawFault.ContentLengthLie);
        using var client = TestHttp.CreateClient(server.BaseAddress);

        await TestHttp.AssertTransportFailureAsync(() => client.CallAsync("echo", "{}", cts.Token));
    }

    [Fact]
    public async Task EndlessSseLine_ReadMegabyte_NeverANewlineAndStopsWhenClientLeaves()
    {
        using var cts = TestHttp.Deadline();
        await using var server = RawTcpTestServer.Start(RawFault.EndlessSseLine);
        using (var client = TestHttp.CreateClient(server.BaseAddress))
        {
            using var response = await client.OpenStreamAsync("events/1", cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

            await using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            var buffer = new byte[64 * 1024];
            long total = 0;
            while (total < 1024 * 1024)
            {
                var read = await stream.ReadAsync(buffer, cts.Token);
                Assert.True(read > 0, "the endless line ended");
                Assert.DoesNotContain((byte)'\n', buffer.AsSpan(0, read).ToArray());
                total += read;
            }
        }

        await server.WaitUntilAsync(s => s.OpenConnections == 0, cts.Token);
    }

    [Fact]
    public async Task Hang_ClientGivesUp_RequestWasReadAndNeverAnswered()
    {
        using var cts = TestHttp.Deadline();
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        await using var server = RawTcpTestServer.Start(RawFault.Hang);
        using var client = TestHttp.CreateClient(server.BaseAddress);
        var pending = client.CallAsync("echo", "{}", call.Token);

        await server.WaitUntilAsync(s => s.Requests == 1, cts.Token);
        Assert.False(pending.IsCompleted);
        await call.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        await server.WaitUntilAsync(s => s.OpenConnections == 0, cts.Token);
    }

    [Fact]
    public async Task SlowHeaders_HeadersNeverEnd_OnlyTheCallersDeadlineStopsIt()
    {
        using var cts = TestHttp.Deadline();
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        await using var server = RawTcpTestServer.Start(RawFault.SlowHeaders);
        using var client = TestHttp.CreateClient(server.BaseAddress);
        var pending = client.GetAsync("resource/events/1", call.Token);

        await server.WaitUntilAsync(s => s.Requests == 1, cts.Token);
        Assert.False(pending.IsCompleted);
        await call.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
    }

    [Fact]
    public async Task GarbageStatusLine_Get_FailsWithHttpRequestException()
    {
        using var cts = TestHttp.Deadline();
        await using var server = RawTcpTestServer.Start(RawFault.GarbageStatusLine);
        using var client = TestHttp.CreateClient(server.BaseAddress);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("resource/events/1", cts.Token));

        Assert.Contains("status line", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task HugeHeaders_Get_FailsOverTheClientsHeaderLimit()
    {
        using var cts = TestHttp.Deadline();
        await using var server = RawTcpTestServer.Start(RawFault.HugeHeaders);
        using var client = TestHttp.CreateClient(server.BaseAddress);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("resource/events/1", cts.Token));

        Assert.Contains("header", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Custom_Handler_WritesItsOwnResponse()
    {
        using var cts = TestHttp.Deadline();
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            var head = await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            var firstLine = head?.Split("\r\n")[0] ?? "none";
            var body = Encoding.ASCII.GetBytes(firstLine);
            var response = Encoding.ASCII.GetBytes(
                $"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
            await pipe.Output.WriteAsync(response.Concat(body).ToArray(), ct);
        }));
        using var client = TestHttp.CreateClient(server.BaseAddress);

        var text = await client.GetStringAsync("resource/x", cts.Token);

        Assert.Equal("GET /resource/x HTTP/1.1", text);
        Assert.Equal("Custom", server.Fault.Name);
    }

    [Fact]
    public async Task DisposeAsync_WithHangingConnections_CompletesPromptly()
    {
        using var cts = TestHttp.Deadline();
        var server = RawTcpTestServer.Start(RawFault.Hang);
        using var client = TestHttp.CreateClient(server.BaseAddress);
        var pending = Enumerable.Range(0, 3).Select(_ => client.GetAsync("resource/events/1", cts.Token)).ToArray();
        await server.WaitUntilAsync(s => s.Requests == 3, cts.Token);

        await server.DisposeAsync().AsTask().WaitAsync(cts.Token);

        foreach (var call in pending)
        {
            await TestHttp.AssertTransportFailureAsync(() => call);
        }

        Assert.Equal(0, server.OpenConnections);
        Assert.Equal(3, server.AcceptedConnections);
    }

    private static T? FindInner<T>(Exception? ex)
        where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T match)
            {
                return match;
            }
        }

        return null;
    }
}
