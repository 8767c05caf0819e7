using System.Buffers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cortex.Mcp.Fast.IntegrationTests.Testing;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.IntegrationTests.Transports.Direct;

/// <summary>The direct engine's per-endpoint façade against the Testing service.</summary>
public sealed class DirectHttpEngineTests : TestMcpServiceTest
{
    [Fact]
    public async Task Send_SequentialEchoes_OneConnectionAndBodyReadInPieces()
    {
        using var cts = TestHttp.Deadline();
        await using var engine = new DirectHttpEngine(Service.BaseAddress, new DirectHttpEngineSettings { MaxConnections = 4 }, tls: null, TimeProvider.System);
        PreEncodedRequest echo = engine.CreateRequest("POST", "/tool/echo", [new("Content-Type", "application/json")]);
        for (int i = 0; i < 5; i++)
        {
            await using DirectHttpResponse response = await engine.SendAsync(echo, default, Encoding.UTF8.GetBytes($"{{\"i\":{i}}}"), cts.Token);
            Assert.Equal(200, response.Head.StatusCode);
            Assert.Equal($"{{\"echo\":{{\"i\":{i}}}}}", await ReadAllAsync(response, cts.Token));
        }

        Assert.Equal(1, Service.Counters.AcceptedConnections);
        Assert.Equal(1, engine.Pool.IdleConnections);
    }

    [Fact]
    public async Task Send_ResponseDisposedUnread_BufferedBodyDrainedAndConnectionReused()
    {
        using var cts = TestHttp.Deadline();
        // One connection at most: the second request waits for the first's connection, drained at once or in the background.
        await using var engine = new DirectHttpEngine(Service.BaseAddress, new DirectHttpEngineSettings { MaxConnections = 1 }, tls: null, TimeProvider.System);
        PreEncodedRequest echo = engine.CreateRequest("POST", "/tool/echo", [new("Content-Type", "application/json")]);
        await using (DirectHttpResponse first = await engine.SendAsync(echo, default, "{\"a\":1}"u8.ToArray(), cts.Token))
        {
            // Disposed without reading: the small rest of the body is drained so the connection carries the next call
            // (as SocketsHttpHandler drains). A background drain (bytes not yet here) also ends in the pool.
        }

        await using DirectHttpResponse second = await engine.SendAsync(echo, default, "{\"a\":2}"u8.ToArray(), cts.Token);
        Assert.Equal("{\"echo\":{\"a\":2}}", await ReadAllAsync(second, cts.Token));
        Assert.Equal(1, Service.Counters.AcceptedConnections);
    }

    [Fact]
    public async Task Send_ResponseDisposedUnread_BodyThatNeverEnds_ClosedWhenTheDrainTimesOut()
    {
        using var cts = TestHttp.Deadline();
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n5\r\ndata:\r\n"u8.ToArray(), ct);
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct); // then nothing more, until the client leaves
        }));
        await using var engine = new DirectHttpEngine(server.BaseAddress, new DirectHttpEngineSettings(), tls: null, clock);
        PreEncodedRequest get = engine.CreateRequest("GET", "/sse");
        await using (DirectHttpResponse response = await engine.SendAsync(get, default, ReadOnlyMemory<byte>.Empty, cts.Token))
        {
            Assert.Equal(200, response.Head.StatusCode);
        }

        Assert.Equal(1, engine.Pool.OpenConnections); // still draining in the background
        clock.Advance(TimeSpan.FromSeconds(2));
        await server.WaitUntilAsync(s => s.OpenConnections == 0, cts.Token); // the client closed it
        Assert.Equal(1, server.AcceptedConnections);
    }

    [Fact]
    public async Task Send_RefusedHeaderValue_NothingSentAndConnectionKept()
    {
        using var cts = TestHttp.Deadline();
        // One connection at most: the second request waits for the first's connection, drained at once or in the background.
        await using var engine = new DirectHttpEngine(Service.BaseAddress, new DirectHttpEngineSettings { MaxConnections = 1 }, tls: null, TimeProvider.System);
        PreEncodedRequest echo = engine.CreateRequest("POST", "/tool/echo", [new("Content-Type", "application/json")]);
        await using (DirectHttpResponse first = await engine.SendAsync(echo, default, "{}"u8.ToArray(), cts.Token))
        {
            await ReadAllAsync(first, cts.Token);
        }

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await engine.SendAsync(echo, new HttpRequestFields { Authorization = "Bearer x\r\nX-Injected: 1" }, "{}"u8.ToArray(), cts.Token));
        Assert.Equal(1, engine.Pool.IdleConnections);
        Assert.Equal(1, Service.Counters.TotalRequests);
    }

    internal static async Task<string> ReadAllAsync(DirectHttpResponse response, CancellationToken ct)
    {
        var body = new StringBuilder();
        while (true)
        {
            ReadOnlySequence<byte> piece = await response.ReadBodyAsync(ct);
            if (piece.IsEmpty)
            {
                return body.ToString();
            }

            body.Append(Encoding.UTF8.GetString(piece));
        }
    }
}

/// <summary>The direct engine over HTTPS, addressed by host name.</summary>
public sealed class DirectHttpEngineTlsTests() : TestMcpServiceTest(new TestMcpServiceOptions { Certificate = s_serverCertificate })
{
    private static readonly X509Certificate2 s_ca = TestCertificates.CreateCa();
    private static readonly X509Certificate2 s_serverCertificate = TestCertificates.IssueServerCertificate(s_ca, "localhost");

    [Fact]
    public async Task Send_HttpsByHostName_CustomCa_Echoes()
    {
        using var cts = TestHttp.Deadline();
        var address = new Uri($"https://localhost:{Service.BaseAddress.Port}/");
        var tls = new TlsOptions { TrustedRootCertificates = [X509CertificateLoader.LoadCertificate(s_ca.RawData)] };
        await using var engine = new DirectHttpEngine(address, new DirectHttpEngineSettings(), tls, TimeProvider.System);
        Assert.Equal($"localhost:{Service.BaseAddress.Port}", engine.Authority);
        PreEncodedRequest echo = engine.CreateRequest("POST", "/tool/echo", [new("Content-Type", "application/json")]);
        Assert.Equal(1, await engine.Pool.WarmUpAsync(1, cts.Token));
        await using DirectHttpResponse response = await engine.SendAsync(echo, default, "{\"tls\":true}"u8.ToArray(), cts.Token);
        Assert.Equal(200, response.Head.StatusCode);
        Assert.Equal("{\"echo\":{\"tls\":true}}", await DirectHttpEngineTests.ReadAllAsync(response, cts.Token));
        Assert.Equal(1, Service.Counters.AcceptedConnections);
    }
}
