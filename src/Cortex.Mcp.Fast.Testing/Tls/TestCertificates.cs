using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// In-memory certificates for TLS tests (no files, no certificate store): a self-signed server certificate, or a
/// private certificate authority that issues server and client certificates, for custom-CA validation and mutual
/// TLS. Keys are ECDSA P-256 (fast to make). Server certificates name <c>localhost</c> and <c>127.0.0.1</c>.
/// </summary>
/// <remarks>
/// Every certificate returned carries its private key and has been through a PKCS#12 export and import, so its key
/// works with Kestrel and <c>SslStream</c> on Linux. Certificates are valid from one day ago for 30 days. The caller
/// owns and disposes them.
/// </remarks>
public static class TestCertificates
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>A self-signed server certificate for <c>localhost</c> and <c>127.0.0.1</c>.</summary>
    public static X509Certificate2 CreateSelfSignedServerCertificate(string subjectName = "localhost")
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CreateLeafRequest(subjectName, key, ServerAuthOid, serverNames: true);
        using var certificate = request.CreateSelfSigned(NotBefore(), NotAfter());
        return ReloadWithKey(certificate);
    }

    /// <summary>A certificate authority (self-signed, <c>CA:true</c>, may sign certificates).</summary>
    public static X509Certificate2 CreateCa(string subjectName = "Cortex.Mcp.Fast Test CA")
    {
        ArgumentException.ThrowIfNullOrEmpty(subjectName);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + subjectName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var certificate = request.CreateSelfSigned(NotBefore(), NotAfter());
        return ReloadWithKey(certificate);
    }

    /// <summary>A server certificate for <c>localhost</c> and <c>127.0.0.1</c>, signed by <paramref name="ca"/>.</summary>
    public static X509Certificate2 IssueServerCertificate(X509Certificate2 ca, string subjectName = "localhost")
        => Issue(ca, subjectName, ServerAuthOid, serverNames: true);

    /// <summary>A client-authentication certificate signed by <paramref name="ca"/>, for mutual TLS.</summary>
    public static X509Certificate2 IssueClientCertificate(X509Certificate2 ca, string subjectName = "cortex-test-client")
        => Issue(ca, subjectName, ClientAuthOid, serverNames: false);

    /// <summary>
    /// True when <paramref name="certificate"/> chains to <paramref name="authority"/> alone (custom root trust, the
    /// system store ignored, no revocation check). Handy in a client's server-certificate validation callback.
    /// </summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 authority)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(authority);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        return chain.Build(certificate);
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subjectName, string usageOid, bool serverNames)
    {
        ArgumentNullException.ThrowIfNull(ca);
        if (!ca.HasPrivateKey)
        {
            throw new ArgumentException("The CA certificate must carry its private key.", nameof(ca));
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = CreateLeafRequest(subjectName, key, usageOid, serverNames);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = new byte[16];
        RandomNumberGenerator.Fill(serial);
        serial[0] &= 0x7F; // positive

        var notAfter = NotAfter() < ca.NotAfter ? NotAfter() : ca.NotAfter.ToUniversalTime();
        using var issued = request.Create(ca, NotBefore(), notAfter, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        return ReloadWithKey(withKey);
    }

    private static CertificateRequest CreateLeafRequest(string subjectName, ECDsa key, string usageOid, bool serverNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(subjectName);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + subjectName), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        if (serverNames)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            if (!string.Equals(subjectName, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                names.AddDnsName(subjectName);
            }

            names.AddIpAddress(IPAddress.Loopback);
            names.AddIpAddress(IPAddress.IPv6Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        return request;
    }

    /// <summary>A PKCS#12 round trip: an ephemeral key from <c>CertificateRequest</c> does not work for TLS on every
    /// platform; a reloaded one does.</summary>
    private static X509Certificate2 ReloadWithKey(X509Certificate2 certificate)
    {
        var pfx = certificate.Export(X509ContentType.Pkcs12);
        try
        {
            return X509CertificateLoader.LoadPkcs12(pfx, password: null, X509KeyStorageFlags.Exportable);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pfx);
        }
    }

    private static DateTimeOffset NotBefore() => DateTimeOffset.UtcNow.AddDays(-1);

    private static DateTimeOffset NotAfter() => DateTimeOffset.UtcNow.AddDays(30);
}
