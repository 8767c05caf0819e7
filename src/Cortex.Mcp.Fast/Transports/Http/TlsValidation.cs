using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>
/// The one reading of <see cref="TlsOptions"/> for certificate validation, shared by both engines (the
/// <see cref="SocketsHttpHandler"/> one and the direct HTTP/1.1 one): custom trusted roots judge the chain anew, and
/// the user's pinning callback, when set, gives the final verdict with the combined errors.
/// </summary>
internal static class TlsValidation
{
    /// <summary>
    /// The validation callback for <paramref name="roots"/> and <paramref name="callback"/>; null when neither is set
    /// (the platform's default validation against the system store).
    /// </summary>
    public static RemoteCertificateValidationCallback? CreateCallback(
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
    public static SslPolicyErrors ValidateAgainstCustomRoots(
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
