using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cortex.Mcp.Fast.IntegrationTests.Client;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Faults;

/// <summary>
/// Row 36 of the fault matrix, the certificates the other TLS tests do not cover: a server certificate for another
/// host, and an expired one, both from a CA the client trusts. Either is refused before any request byte, not retried.
/// </summary>
public abstract class TlsCertificateFaultTests(HttpEngineKind engine)
{
    [Fact]
    public async Task Row36_WrongHostCertificate_IsRefusedBeforeAnyRequest()
    {
        using var ca = CreateCa();
        using var certificate = Issue(ca, "other.example", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), loopbackNames: false);

        await AssertRefusedAsync(ca, certificate);
    }

    [Fact]
    public async Task Row36_ExpiredCertificate_IsRefusedBeforeAnyRequest()
    {
        using var ca = CreateCa();
        using var certificate = Issue(ca, "localhost", DateTimeOffset.UtcNow.AddDays(-30), DateTimeOffset.UtcNow.AddDays(-1), loopbackNames: true);

        await AssertRefusedAsync(ca, certificate);
    }

    /// <summary>The control: the same CA and issuing code, valid dates and names, is accepted.</summary>
    [Fact]
    public async Task Row36_ValidCertificateFromTheSameIssuer_IsAccepted()
    {
        using var ca = CreateCa();
        using var certificate = Issue(ca, "localhost", DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), loopbackNames: true);
        await using var h = await ClientHarness.StartAsync(engine, o => Trust(o, ca), new TestMcpServiceOptions { Certificate = certificate });

        using var ok = await h.Within(h.Call("echo").AsTask());

        Assert.Equal(1, h.Service.Counters.TotalRequests);
    }

    private async Task AssertRefusedAsync(X509Certificate2 ca, X509Certificate2 certificate)
    {
        await using var h = await ClientHarness.StartAsync(
            engine,
            o =>
            {
                Trust(o, ca);
                o.DefaultServiceOptions.Retry = new RetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1) };
            },
            new TestMcpServiceOptions { Certificate = certificate });

        var error = Assert.IsType<ServiceCallException>(await h.FailureOf(h.Call("echo").AsTask()));

        Assert.True(error.RequestNotSent);
        Assert.Equal(1, error.Attempts); // a certificate problem is not transient
        Assert.Equal(0, h.Service.Counters.TotalRequests);
    }

    private static void Trust(NetworkMcpClientOptions options, X509Certificate2 ca) =>
        options.DefaultServiceOptions.Tls.TrustedRootCertificates = [X509CertificateLoader.LoadCertificate(ca.RawData)];

    /// <summary>A CA valid since 60 days ago, so it can sign a certificate that has already expired (TestCertificates'
    /// CA starts now, and an issuer's validity must cover what it issues).</summary>
    private static X509Certificate2 CreateCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=Cortex.Mcp.Fast fault-matrix CA"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddDays(60));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A server certificate signed by <paramref name="ca"/> with the given validity and names (TestCertificates
    /// always issues a currently valid certificate for the loopback names).</summary>
    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, DateTimeOffset notBefore, DateTimeOffset notAfter, bool loopbackNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(subject);
        if (loopbackNames)
        {
            names.AddIpAddress(IPAddress.Loopback);
        }

        request.CertificateExtensions.Add(names.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(ca, notBefore, notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>The TLS rows on the default engine (<see cref="System.Net.Http.SocketsHttpHandler"/>).</summary>
public sealed class TlsCertificateFaultTestsOnSocketsHttpHandler() : TlsCertificateFaultTests(HttpEngineKind.SocketsHttpHandler);

/// <summary>The TLS rows on the direct HTTP/1.1 engine.</summary>
public sealed class TlsCertificateFaultTestsOnDirectEngine() : TlsCertificateFaultTests(HttpEngineKind.Direct);
