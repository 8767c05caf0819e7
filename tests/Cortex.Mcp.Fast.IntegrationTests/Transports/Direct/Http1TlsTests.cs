using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cortex.Mcp.Fast.IntegrationTests.Testing;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.IntegrationTests.Transports.Direct;

/// <summary>The direct engine over TLS against the Testing service (Kestrel, HTTPS with a test CA's certificate).</summary>
public sealed class Http1TlsTests() : TestMcpServiceTest(new TestMcpServiceOptions { Certificate = s_serverCertificate })
{
    private static readonly X509Certificate2 s_ca = TestCertificates.CreateCa();
    private static readonly X509Certificate2 s_serverCertificate = TestCertificates.IssueServerCertificate(s_ca, "localhost");

    [Fact]
    public async Task CustomCa_HandshakeSucceeds_EchoesOnOneConnection()
    {
        using var cts = TestHttp.Deadline();
        var tls = new Http1Tls(new TlsOptions { TrustedRootCertificates = [X509CertificateLoader.LoadCertificate(s_ca.RawData)] }, "localhost");
        await using Http1Connection connection = await ConnectAsync(Service.BaseAddress, tls, cts.Token);
        Assert.True(connection.IsTls);
        for (int i = 0; i < 3; i++)
        {
            Http1ResponseHead head = await connection.SendAsync(Http1ConnectionPoolKestrelTests.s_echo, default, Encoding.UTF8.GetBytes($"{{\"i\":{i}}}"), cts.Token);
            Assert.Equal(200, head.StatusCode);
            Assert.Equal($"{{\"echo\":{{\"i\":{i}}}}}", await Http1ConnectionKestrelTests.ReadBodyAsync(connection, cts.Token));
            Assert.True(connection.IsReusable);
        }

        Assert.True(connection.BytesSent > 0);
        Assert.Equal(1, Service.Counters.AcceptedConnections);
    }

    [Fact]
    public async Task CustomCa_ThroughThePool_IdleConnectionQuietAndReused()
    {
        using var cts = TestHttp.Deadline();
        var tls = new Http1Tls(new TlsOptions { TrustedRootCertificates = [X509CertificateLoader.LoadCertificate(s_ca.RawData)] }, "localhost");
        await using var pool = new Http1ConnectionPool<Http1Connection>(
            ct => ConnectAsync(Service.BaseAddress, tls, ct).AsValueTask(), 2, TimeSpan.FromMinutes(1), Timeout.InfiniteTimeSpan, TimeProvider.System);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal($"{{\"echo\":{{\"i\":{i}}}}}", await Http1ConnectionPoolKestrelTests.EchoAsync(pool, i, cts.Token));
        }

        Assert.Equal(1, Service.Counters.AcceptedConnections);
        Assert.Equal(1, pool.ConnectionsCreated);
    }

    [Fact]
    public async Task ServerClosesIdleTlsConnection_NoticedWithoutARead()
    {
        using var cts = TestHttp.Deadline();
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { Certificate = s_serverCertificate }, cts.Token);
        var tls = new Http1Tls(new TlsOptions { TrustedRootCertificates = [X509CertificateLoader.LoadCertificate(s_ca.RawData)] }, "localhost");
        await using Http1Connection connection = await ConnectAsync(service.BaseAddress, tls, cts.Token);
        await connection.SendAsync(Http1ConnectionPoolKestrelTests.s_echo, default, "{}"u8.ToArray(), cts.Token);
        await Http1ConnectionKestrelTests.ReadBodyAsync(connection, cts.Token);
        Assert.True(connection.IsQuiet());

        // The pipe's read loop over the TLS stream sees the close on its own: IsQuiet (a TryRead, no I/O) reports it.
        await service.DisposeAsync(); // safe to dispose again at the end
        while (connection.IsQuiet())
        {
            cts.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        long before = connection.BytesSent;
        var ex = await Assert.ThrowsAsync<Http1ConnectionException>(async () =>
            await connection.SendAsync(Http1ConnectionPoolKestrelTests.s_echo, default, "{}"u8.ToArray(), cts.Token));
        Assert.True(ex.RequestNotSent);
        Assert.Equal(before, connection.BytesSent);
    }

    [Fact]
    public async Task UntrustedCertificate_TlsFailureBeforeAnyRequestByte()
    {
        using var cts = TestHttp.Deadline();
        var tls = new Http1Tls(new TlsOptions(), "localhost"); // the system store does not know the test CA
        var ex = await Assert.ThrowsAsync<Http1ConnectionException>(async () => await ConnectAsync(Service.BaseAddress, tls, cts.Token));
        Assert.True(ex.TlsHandshakeFailed);
        Assert.True(ex.RequestNotSent);
        Assert.Equal(0, Service.Counters.TotalRequests);
    }

    [Fact]
    public async Task PinningCallback_RunsLastWithTheVerdict_AndMayRefuse()
    {
        using var cts = TestHttp.Deadline();
        System.Net.Security.SslPolicyErrors? seen = null;
        var tls = new Http1Tls(new TlsOptions
        {
            TrustedRootCertificates = [X509CertificateLoader.LoadCertificate(s_ca.RawData)],
            RemoteCertificateValidation = (_, _, _, errors) =>
            {
                seen = errors;
                return false; // pinned to another key
            },
        }, "localhost");
        var ex = await Assert.ThrowsAsync<Http1ConnectionException>(async () => await ConnectAsync(Service.BaseAddress, tls, cts.Token));
        Assert.True(ex.TlsHandshakeFailed);
        Assert.Equal(System.Net.Security.SslPolicyErrors.None, seen);
        Assert.Equal(0, Service.Counters.TotalRequests);
    }

    [Fact]
    public async Task MutualTls_SucceedsOnlyWithTheClientCertificate()
    {
        using var cts = TestHttp.Deadline();
        using var clientCertificate = TestCertificates.IssueClientCertificate(s_ca);
        await using var service = await TestMcpService.StartAsync(
            new TestMcpServiceOptions { Certificate = s_serverCertificate, RequireClientCertificate = true, ClientCertificateAuthority = s_ca }, cts.Token);
        Http1Tls Tls(X509Certificate2? client) => new(new TlsOptions
        {
            TrustedRootCertificates = [X509CertificateLoader.LoadCertificate(s_ca.RawData)],
            ClientCertificates = client is null ? null : [client],
        }, "localhost");

        await using (Http1Connection with = await ConnectAsync(service.BaseAddress, Tls(clientCertificate), cts.Token))
        {
            Http1ResponseHead head = await with.SendAsync(Http1ConnectionPoolKestrelTests.s_echo, default, "{}"u8.ToArray(), cts.Token);
            Assert.Equal(200, head.StatusCode);
            await Http1ConnectionKestrelTests.ReadBodyAsync(with, cts.Token);
        }

        // Without a certificate the server ends the handshake (TLS 1.3 may only tell at the first read): either way
        // the request never gets an answer and the service never sees it.
        long before = service.Counters.TotalRequests;
        await Assert.ThrowsAsync<Http1ConnectionException>(async () =>
        {
            await using Http1Connection without = await ConnectAsync(service.BaseAddress, Tls(null), cts.Token);
            await without.SendAsync(Http1ConnectionPoolKestrelTests.s_echo, default, "{}"u8.ToArray(), cts.Token);
        });
        Assert.Equal(before, service.Counters.TotalRequests);
    }

    private static Task<Http1Connection> ConnectAsync(Uri address, Http1Tls tls, CancellationToken ct) =>
        Http1Connection.ConnectAsync(new IPEndPoint(IPAddress.Loopback, address.Port), tls, Http1Limits.Default,
            TimeSpan.FromSeconds(5), TimeProvider.System, ct).AsTask();
}

internal static class TaskValueTaskExtensions
{
    public static ValueTask<T> AsValueTask<T>(this Task<T> task) => new(task);
}
