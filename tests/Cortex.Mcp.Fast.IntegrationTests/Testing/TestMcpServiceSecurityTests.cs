using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing;

public sealed class TestMcpServiceSecurityTests
{
    [Fact]
    public async Task BearerToken_MissingWrongOrRight_401Or200()
    {
        using var cts = TestHttp.Deadline();
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { RequiredBearerToken = "t1" }, cts.Token);
        using var client = TestHttp.CreateClient(service.BaseAddress);

        using var missing = await client.CallAsync("echo", "{}", cts.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("unauthorized", await missing.ReadDetailAsync(cts.Token));

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "nope");
        using var wrong = await client.CallAsync("echo", "{}", cts.Token);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "t1");
        using var right = await client.CallAsync("echo", "{}", cts.Token);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
        using var stream = await client.OpenStreamAsync("events/1", cts.Token);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
    }

    [Fact]
    public async Task BearerToken_RotatedAtRunTime_OldTokenRejected()
    {
        using var cts = TestHttp.Deadline();
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { RequiredBearerToken = "old" }, cts.Token);
        using var client = TestHttp.CreateClient(service.BaseAddress);
        service.Faults.ValidBearerToken = "new";

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "old");
        using var old = await client.OpenStreamAsync("events/1", cts.Token);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "new");
        using var fresh = await client.CallAsync("echo", "{}", cts.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task RejectNextTokens_N_RejectsNValidRequestsThenAccepts()
    {
        using var cts = TestHttp.Deadline();
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { RequiredBearerToken = "t" }, cts.Token);
        using var client = TestHttp.CreateClient(service.BaseAddress);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "t");
        service.Faults.RejectNextTokens(2);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await client.CallAsync("echo", "{}", cts.Token);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.OK], statuses);
    }

    [Fact]
    public async Task Tls_SelfSigned_PinnedByThumbprint_Succeeds()
    {
        using var cts = TestHttp.Deadline();
        using var certificate = TestCertificates.CreateSelfSignedServerCertificate();
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { Certificate = certificate }, cts.Token);
        using var client = TestHttp.CreateClient(service.BaseAddress, h => h.SslOptions.RemoteCertificateValidationCallback =
            (_, presented, _, _) => presented is not null && presented.GetCertHashString() == certificate.GetCertHashString());

        using var response = await client.CallAsync("echo", "{}", cts.Token);

        Assert.Equal("https", service.BaseAddress.Scheme);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Tls_PrivateCa_FailsDefaultValidationAndPassesWithCustomTrust()
    {
        using var cts = TestHttp.Deadline();
        using var ca = TestCertificates.CreateCa();
        using var serverCertificate = TestCertificates.IssueServerCertificate(ca);
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { Certificate = serverCertificate }, cts.Token);

        using (var untrusting = TestHttp.CreateClient(service.BaseAddress))
        {
            var ex = await TestHttp.AssertTransportFailureAsync(() => untrusting.CallAsync("echo", "{}", cts.Token));
            Assert.IsType<System.Security.Authentication.AuthenticationException>(ex.InnerException);
        }

        using var trusting = TestHttp.CreateClient(service.BaseAddress, h => h.SslOptions.CertificateChainPolicy = CustomTrust(ca));
        using var response = await trusting.CallAsync("echo", "{}", cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task MutualTls_ClientCertificateFromTheCa_Accepted_OthersRejected()
    {
        using var cts = TestHttp.Deadline();
        using var ca = TestCertificates.CreateCa();
        using var otherCa = TestCertificates.CreateCa("Some Other CA");
        using var serverCertificate = TestCertificates.IssueServerCertificate(ca);
        using var clientCertificate = TestCertificates.IssueClientCertificate(ca);
        using var strangerCertificate = TestCertificates.IssueClientCertificate(otherCa);
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions
        {
            Certificate = serverCertificate,
            RequireClientCertificate = true,
            ClientCertificateAuthority = ca,
        }, cts.Token);

        using (var withCertificate = CreateMtlsClient(clientCertificate))
        {
            using var response = await withCertificate.CallAsync("echo", "{}", cts.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var withoutCertificate = CreateMtlsClient(null))
        {
            await TestHttp.AssertTransportFailureAsync(() => withoutCertificate.CallAsync("echo", "{}", cts.Token));
        }

        using (var withStranger = CreateMtlsClient(strangerCertificate))
        {
            await TestHttp.AssertTransportFailureAsync(() => withStranger.CallAsync("echo", "{}", cts.Token));
        }

        Assert.Equal(1, service.Counters.ToolRequests("echo"));

        HttpClient CreateMtlsClient(X509Certificate2? certificate) => TestHttp.CreateClient(service.BaseAddress, h =>
        {
            h.SslOptions.CertificateChainPolicy = CustomTrust(ca);
            if (certificate is not null)
            {
                h.SslOptions.ClientCertificates = [certificate];
            }
        });
    }

    [Fact]
    public void TestCertificates_Issued_ChainToTheirCaOnly()
    {
        using var ca = TestCertificates.CreateCa();
        using var otherCa = TestCertificates.CreateCa("Other");
        using var server = TestCertificates.IssueServerCertificate(ca);
        using var client = TestCertificates.IssueClientCertificate(ca);

        Assert.True(server.HasPrivateKey);
        Assert.True(client.HasPrivateKey);
        Assert.True(TestCertificates.ChainsTo(server, ca));
        Assert.True(TestCertificates.ChainsTo(client, ca));
        Assert.False(TestCertificates.ChainsTo(server, otherCa));
    }

    private static X509ChainPolicy CustomTrust(X509Certificate2 ca)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(ca);
        return policy;
    }
}
