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
        _validation = CreateValidationCallback(options.TrustedRootCertificates, options.RemoteCertificateValidation, options.RevocationMode);
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

    /// <summary>
    /// The validation callback for <paramref name="roots"/> and <paramref name="callback"/>; null when neither is set
    /// (the platform's default validation against the system store).
    /// </summary>
    internal static RemoteCertificateValidationCallback? CreateValidationCallback(
        X509Certificate2Collection? roots, RemoteCertificateValidationCallback? callback, X509RevocationMode revocation)
    {
        if (roots is null && callback is null)
        {
            return null;
        }

        return (sender, certificate, chain, errors) =>
        {
            if (roots is not null && certificate is not null)
            {
                errors = ValidateAgainstCustomRoots(certificate, roots, revocation, errors);
            }

            return callback is null ? errors == SslPolicyErrors.None : callback(sender, certificate, chain, errors);
        };
    }

    /// <summary>Judges the chain anew against <paramref name="roots"/> only; the platform's other verdicts stand.</summary>
    internal static SslPolicyErrors ValidateAgainstCustomRoots(
        X509Certificate certificate, X509Certificate2Collection roots, X509RevocationMode revocation, SslPolicyErrors errors)
    {
        // Host name and "no certificate" verdicts from the platform stand; only the chain is judged anew.
        errors &= ~SslPolicyErrors.RemoteCertificateChainErrors;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = revocation;
        using var leaf = new X509Certificate2(certificate);
        if (!chain.Build(leaf))
        {
            errors |= SslPolicyErrors.RemoteCertificateChainErrors;
        }

        return errors;
    }
}
