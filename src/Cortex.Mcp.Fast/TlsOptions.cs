using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Cortex.Mcp.Fast;

/// <summary>TLS settings of a service's connection pool. Certificate validation is on by default.</summary>
public sealed class TlsOptions
{
    /// <summary>Created by <see cref="McpServiceOptions"/>, which owns one of each group; set its properties.</summary>
    internal TlsOptions()
    {
    }

    /// <summary>
    /// Gets or sets root certificates trusted for this service instead of the system store (a private CA).
    /// The server's chain must end in one of them; host name checks still apply.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (use the system trust store).</value>
    public X509Certificate2Collection? TrustedRootCertificates { get; set; }

    /// <summary>
    /// Gets or sets a validation callback (for pinning). It runs after the default or custom-CA checks and gets their
    /// verdict in its <see cref="SslPolicyErrors"/> argument; return <see langword="true"/> to accept.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public RemoteCertificateValidationCallback? RemoteCertificateValidation { get; set; }

    /// <summary>Gets or sets client certificates offered to the server (mutual TLS).</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public X509CertificateCollection? ClientCertificates { get; set; }

    /// <summary>Gets or sets the revocation check mode.</summary>
    /// <value>The default value is <see cref="X509RevocationMode.NoCheck"/> (the .NET default).</value>
    public X509RevocationMode RevocationMode { get; set; } = X509RevocationMode.NoCheck;

    /// <summary>A copy for a service's snapshot of its settings.</summary>
    internal TlsOptions Clone() => (TlsOptions)MemberwiseClone();
}
