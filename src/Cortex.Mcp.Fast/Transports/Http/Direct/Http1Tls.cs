using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// The TLS settings of one endpoint for the direct engine, from the service's <see cref="TlsOptions"/>: target host
/// (SNI and name check), ALPN <c>http/1.1</c> only, client certificates, revocation mode, and server certificate
/// validation with the same semantics as the default engine (custom trusted roots replace the system store for the
/// chain; the name check stands; a callback runs last with the combined verdict).
/// </summary>
/// <remarks>Immutable once made; one per endpoint, shared by its connections.</remarks>
internal sealed class Http1Tls
{
    private readonly X509CertificateCollection? _clientCertificates;
    private readonly X509RevocationMode _revocationMode;
    private readonly RemoteCertificateValidationCallback? _validation;

    /// <param name="options">The service's TLS options (read once, here).</param>
    /// <param name="targetHost">The server's host name, as in the base address (SNI and the certificate name check).</param>
    public Http1Tls(TlsOptions options, string targetHost)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(targetHost);
        TargetHost = targetHost;
        _clientCertificates = options.ClientCertificates is { Count: > 0 } certificates ? certificates : null;
        _revocationMode = options.RevocationMode;
        _validation = TlsValidation.CreateCallback(options.TrustedRootCertificates, options.RemoteCertificateValidation, options.RevocationMode);
    }

    /// <summary>Gets the host name sent as SNI and checked against the server certificate.</summary>
    public string TargetHost { get; }

    /// <summary>A fresh set of client options for one handshake.</summary>
    public SslClientAuthenticationOptions CreateClientOptions() => new()
    {
        TargetHost = TargetHost,
        ApplicationProtocols = [SslApplicationProtocol.Http11],
        ClientCertificates = _clientCertificates,
        CertificateRevocationCheckMode = _revocationMode,
        RemoteCertificateValidationCallback = _validation,
    };
}
