using System.IO.Pipelines;
using System.Net;
using System.Text;
using Cortex.Mcp.Fast.IntegrationTests.Testing;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports.Http.Direct;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Transports.Direct;

/// <summary>The direct engine's connection pool against a real Kestrel (the Testing service) and a raw TCP server.</summary>
public sealed class Http1ConnectionPoolKestrelTests : TestMcpServiceTest
{
    internal static readonly PreEncodedRequest s_echo = new("POST", "/tool/echo", "127.0.0.1", [new("Content-Type", "application/json")]);

    [Fact]
    public async Task Sequential_Requests_UseOneConnection()
    {
        using var cts = TestHttp.Deadline();
        await using var pool = CreatePool(Service.BaseAddress, max: 4, TimeProvider.System);
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal($"{{\"echo\":{{\"i\":{i}}}}}", await EchoAsync(pool, i, cts.Token));
        }

        Assert.Equal(1, Service.Counters.AcceptedConnections);
        Assert.Equal(1, pool.OpenConnections);
        Assert.Equal(1, pool.IdleConnections);
    }

    [Fact]
    public async Task Concurrent_Requests_UseAtMostMaxConnections()
    {
        using var cts = TestHttp.Deadline();
        await using var pool = CreatePool(Service.BaseAddress, max: 3, TimeProvider.System);
        string[] bodies = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => EchoAsync(pool, i, cts.Token)));
        for (int i = 0; i < bodies.Length; i++)
        {
            Assert.Equal($"{{\"echo\":{{\"i\":{i}}}}}", bodies[i]);
        }

        Assert.InRange(Service.Counters.AcceptedConnections, 1, 3);
        Assert.Equal(24, Service.Counters.ToolRequests("echo"));
        Assert.InRange(pool.OpenConnections, 1, 3);
    }

    [Fact]
    public async Task WarmUp_OpensConnections_ThenRequestsUseThem()
    {
        using var cts = TestHttp.Deadline();
        await using var pool = CreatePool(Service.BaseAddress, max: 3, TimeProvider.System);
        Assert.Equal(3, await pool.WarmUpAsync(3, cts.Token));
        await Service.Counters.WaitUntilAsync(c => c.AcceptedConnections == 3, cts.Token);
        await Task.WhenAll(Enumerable.Range(0, 9).Select(i => EchoAsync(pool, i, cts.Token)));
        Assert.Equal(3, Service.Counters.AcceptedConnections);
    }

    [Fact]
    public async Task Lifetime_PassedDuringUse_ConnectionNotReturned()
    {
        using var cts = TestHttp.Deadline();
        var time = new FakeTimeProvider();
        await using var pool = new Http1ConnectionPool<Http1Connection>(
            ct => Connect(Service.BaseAddress, time, ct), 2, Timeout.InfiniteTimeSpan, TimeSpan.FromMinutes(5), time);
        Http1Connection first = await pool.LeaseAsync(cts.Token);
        time.Advance(TimeSpan.FromMinutes(6));
        await first.SendAsync(s_echo, default, "{\"i\":1}"u8.ToArray(), cts.Token);
        await Http1ConnectionKestrelTests.ReadBodyAsync(first, cts.Token);
        Assert.True(first.IsReusable);
        await pool.ReturnAsync(first);
        Assert.Equal(0, pool.OpenConnections);

        Assert.Equal("{\"echo\":{\"i\":2}}", await EchoAsync(pool, 2, cts.Token));
        Assert.Equal(2, Service.Counters.AcceptedConnections);
        Assert.Equal(2, pool.ConnectionsCreated);
    }

    internal static Http1ConnectionPool<Http1Connection> CreatePool(Uri address, int max, TimeProvider time) =>
        new(ct => Connect(address, time, ct), max, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan, time);

    internal static ValueTask<Http1Connection> Connect(Uri address, TimeProvider time, CancellationToken ct) =>
        Http1Connection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, address.Port), Http1Limits.Default, TimeSpan.FromSeconds(5), time, ct);

    internal static async Task<string> EchoAsync(Http1ConnectionPool<Http1Connection> pool, int i, CancellationToken ct)
    {
        Http1Connection connection = await pool.LeaseAsync(ct);
        try
        {
            Http1ResponseHead head = await connection.SendAsync(s_echo, default, Encoding.UTF8.GetBytes($"{{\"i\":{i}}}"), ct);
            Assert.Equal(200, head.StatusCode);
            return await Http1ConnectionKestrelTests.ReadBodyAsync(connection, ct);
        }
        finally
        {
            await pool.ReturnAsync(connection);
        }
    }
}

/// <summary>The pool against a raw TCP server that closes idle connections.</summary>
public sealed class Http1ConnectionPoolRawTests
{
    [Fact]
    public async Task IdleConnectionClosedByServer_ReplacedTransparently()
    {
        // Each connection answers one request with a keep-alive response, then (once told) the server closes it while idle.
        var close = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            if (await RawFault.ReadRequestHeadAsync(pipe.Input, ct) is null)
            {
                return;
            }

            ReadResult body = await pipe.Input.ReadAtLeastAsync(7, ct);
            pipe.Input.AdvanceTo(body.Buffer.GetPosition(7));
            await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), ct);
            await close.Task.WaitAsync(ct);
        }));
        using var cts = TestHttp.Deadline();
        await using var pool = Http1ConnectionPoolKestrelTests.CreatePool(server.BaseAddress, max: 1, TimeProvider.System);
        Http1Connection first = await pool.LeaseAsync(cts.Token);
        await first.SendAsync(Http1ConnectionPoolKestrelTests.s_echo, default, "{\"i\":0}"u8.ToArray(), cts.Token);
        Assert.Equal("ok", await Http1ConnectionKestrelTests.ReadBodyAsync(first, cts.Token));
        await pool.ReturnAsync(first);
        Assert.Equal(1, pool.IdleConnections);

        // The server closes it; the FIN reaches the client's pipe on its own schedule: wait until the idle
        // connection has noticed (the same look at the pipe the pool's lease takes), bounded by the deadline.
        // The lease then finds it unfit, closes it and connects anew; nothing is written to the closed one.
        close.SetResult();
        while (first.IsQuiet())
        {
            cts.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        long sentBefore = first.BytesSent;
        Http1Connection second = await pool.LeaseAsync(cts.Token);
        Assert.NotSame(first, second);
        Assert.Equal(sentBefore, first.BytesSent); // nothing was written to the closed one
        await second.SendAsync(Http1ConnectionPoolKestrelTests.s_echo, default, "{\"i\":1}"u8.ToArray(), cts.Token);
        Assert.Equal("ok", await Http1ConnectionKestrelTests.ReadBodyAsync(second, cts.Token));
        await pool.ReturnAsync(second);
        Assert.Equal(2, server.AcceptedConnections);
        Assert.Equal(2, pool.ConnectionsCreated);
    }
}
