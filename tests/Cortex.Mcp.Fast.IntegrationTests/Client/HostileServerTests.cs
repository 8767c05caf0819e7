using System.IO.Pipelines;
using System.Text;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>Faults Kestrel cannot produce, from a raw TCP server: every one ends in a typed error.</summary>
public abstract class HostileServerTests(HttpEngineKind engine)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ResetBeforeHeaders_IsATypedNetworkErrorAndRetriedOnlyWhenIdempotent()
    {
        await using var server = RawTcpTestServer.Start(RawFault.ResetBeforeHeaders);
        await using var client = await ClientFor(server, retries: 2);

        var idempotent = await Failure(client.CallToolAsync("raw", "echo").AsTask());
        var requestsAfterIdempotent = server.Requests;
        var nonIdempotent = await Failure(client.CallToolAsync("raw", "echo", options: ToolCallOptions.NonIdempotent).AsTask());

        Assert.Equal(FailureKind.NetworkError, idempotent.FailureKind);
        Assert.False(idempotent.RequestNotSent);
        Assert.Equal(3, idempotent.Attempts);
        Assert.Equal(3, requestsAfterIdempotent);
        Assert.Equal(1, nonIdempotent.Attempts);
        Assert.Equal(4, server.Requests);
    }

    [Fact]
    public async Task ContentLengthLie_IsATypedErrorAndNoPartialJsonReachesTheCaller()
    {
        await using var server = RawTcpTestServer.Start(RawFault.ContentLengthLie);
        await using var client = await ClientFor(server, retries: 0);

        var error = await Failure(client.CallToolAsync("raw", "echo").AsTask());

        Assert.True(error.FailureKind is FailureKind.NetworkError or FailureKind.ProtocolError, error.FailureKind.ToString());
        Assert.IsNotType<HttpRequestException>(error);
    }

    [Fact]
    public async Task GarbageStatusLine_IsAProtocolError()
    {
        await using var server = RawTcpTestServer.Start(RawFault.GarbageStatusLine);
        await using var client = await ClientFor(server, retries: 0);

        var error = await Failure(client.CallToolAsync("raw", "echo").AsTask());

        Assert.IsType<ServiceProtocolException>(error);
    }

    [Fact]
    public async Task HugeHeaders_AreRefusedWithATypedError()
    {
        await using var server = RawTcpTestServer.Start(RawFault.HugeHeaders);
        await using var client = await ClientFor(server, retries: 0);

        var error = await Failure(client.CallToolAsync("raw", "echo").AsTask());

        Assert.IsType<ServiceProtocolException>(error);
    }

    [Fact]
    public async Task Hang_EndsAtTheCallDeadline()
    {
        await using var server = RawTcpTestServer.Start(RawFault.Hang);
        await using var client = await ClientFor(server, retries: 0, o => o.CallTimeout = TimeSpan.FromMilliseconds(300));

        var error = await Failure(client.CallToolAsync("raw", "echo").AsTask());

        Assert.Equal(TimeoutLimit.CallDeadline, Assert.IsType<CallTimeoutException>(error).Limit);
    }

    [Fact]
    public async Task EndlessSseLine_StopsAtTheLineLimitWithATypedStreamError()
    {
        await using var server = RawTcpTestServer.Start(RawFault.EndlessSseLine);
        await using var client = await ClientFor(server, retries: 0);

        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var item in client.GetResourceAsync("raw", "endless").WithCancellation(new CancellationTokenSource(Bound).Token))
            {
            }
        });

        var stream = Assert.IsType<ResourceStreamException>(ex);
        Assert.Equal(FailureKind.ProtocolError, stream.FailureKind);
        Assert.IsType<ServerSentEvents.SseLimitExceededException>(stream.InnerException);
    }

    [Fact]
    public async Task StreamCutAfterEvents_ResumesWithLastEventIdAndHandsOutEveryEventOnce()
    {
        // First connection: four complete events in a chunked body, then FIN without the terminating chunk (a cut
        // that, unlike an RST, cannot lose the bytes already sent). The client must reopen with Last-Event-ID: 3
        // after the server's retry, and the second connection finishes the resource cleanly.
        var connections = 0;
        string? resumedHead = null;
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            var head = await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            var first = Interlocked.Increment(ref connections) == 1;
            if (!first)
            {
                resumedHead = head;
            }

            var body = new StringBuilder();
            for (var i = first ? 0 : 4; i < (first ? 4 : 6); i++)
            {
                var data = $"{(i == 0 ? "retry: 10\n" : string.Empty)}id: {i}\ndata: {{\"index\":{i}}}\n\n";
                body.Append(System.Globalization.CultureInfo.InvariantCulture, $"{Encoding.UTF8.GetByteCount(data):x}\r\n{data}\r\n");
            }

            if (!first)
            {
                body.Append("0\r\n\r\n");
            }

            await pipe.Output.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + body), ct);
        }));
        await using var client = await ClientFor(server, retries: 0);
        var items = new List<int>();

        await foreach (var item in client.GetResourceAsync("raw", "cut/4").WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            items.Add(item.GetProperty("index").GetInt32());
        }

        Assert.Equal([0, 1, 2, 3, 4, 5], items);
        Assert.Equal(2, Volatile.Read(ref connections));
        Assert.Contains("Last-Event-ID: 3", resumedHead, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task StreamCutBeforeAnyEventId_RaisesResourceStreamExceptionWithoutReconnecting()
    {
        // Without an event id a reconnect would replay the items already handed out: the stream ends typed instead.
        var connections = 0;
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            Interlocked.Increment(ref connections);
            const string Data = "data: {\"index\":0}\n\n";
            var chunk = $"{Encoding.UTF8.GetByteCount(Data):x}\r\n{Data}\r\n";
            await pipe.Output.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk), ct);
        }));
        await using var client = await ClientFor(server, retries: 0);
        var items = new List<int>();

        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var item in client.GetResourceAsync("raw", "cut/1").WithCancellation(new CancellationTokenSource(Bound).Token))
            {
                items.Add(item.GetProperty("index").GetInt32());
            }
        });

        var stream = Assert.IsType<ResourceStreamException>(ex);
        Assert.Equal("cut/1", stream.Path);
        Assert.Equal(FailureKind.NetworkError, stream.FailureKind);
        Assert.Equal([0], items);
        Assert.Equal(1, Volatile.Read(ref connections));
    }

    private async Task<NetworkMcpClient> ClientFor(RawTcpTestServer server, int retries, Action<McpServiceOptions>? configure = null)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("raw", server.BaseAddress);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Http.Engine = engine;
        options.DefaultServiceOptions.Retry = new RetryOptions { MaxRetries = retries, BaseDelay = TimeSpan.FromMilliseconds(1) };
        configure?.Invoke(options.DefaultServiceOptions);
        return new NetworkMcpClient(options);
    }

    private static async Task<ServiceCallException> Failure(Task task)
    {
        var ex = await Record.ExceptionAsync(() => task.WaitAsync(Bound));
        return Assert.IsAssignableFrom<ServiceCallException>(ex);
    }
}

/// <summary>The suite on the default engine (<see cref="System.Net.Http.SocketsHttpHandler"/>).</summary>
public sealed class HostileServerTestsOnSocketsHttpHandler() : HostileServerTests(HttpEngineKind.SocketsHttpHandler);

/// <summary>The suite on the direct HTTP/1.1 engine.</summary>
public sealed class HostileServerTestsOnDirectEngine() : HostileServerTests(HttpEngineKind.Direct);
