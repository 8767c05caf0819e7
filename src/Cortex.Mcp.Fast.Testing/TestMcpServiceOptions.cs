using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// Start-up settings for a <see cref="TestMcpService"/>. Everything that a test may want to change while the service
/// runs lives on <see cref="TestMcpService.Faults"/> instead.
/// </summary>
public sealed class TestMcpServiceOptions
{
    /// <summary>The TCP port to listen on, on 127.0.0.1.</summary>
    /// <value>The default value is 0: the operating system picks a free port (read it from
    /// <see cref="TestMcpService.BaseAddress"/>).</value>
    public int Port { get; set; }

    /// <summary>
    /// When set, every request must carry <c>Authorization: Bearer {token}</c>; otherwise it gets
    /// <c>401 {"detail":"unauthorized"}</c>. This is the initial value of <see cref="TestFaults.ValidBearerToken"/>,
    /// which a test can change at run time to rotate tokens.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no authentication).</value>
    public string? RequiredBearerToken { get; set; }

    /// <summary>
    /// When set, the service speaks HTTPS with this certificate (which must carry its private key), and
    /// <see cref="TestMcpService.BaseAddress"/> is an <c>https</c> address. See <see cref="TestCertificates"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (plain HTTP).</value>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>When <see langword="true"/> (and <see cref="Certificate"/> is set), the TLS handshake fails
    /// unless the client presents a certificate (mutual TLS).</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool RequireClientCertificate { get; set; }

    /// <summary>
    /// When set, a client certificate is accepted only if it chains to this authority (custom root trust, no
    /// revocation check). When <see langword="null"/>, any presented client certificate is accepted.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public X509Certificate2? ClientCertificateAuthority { get; set; }

    /// <summary>The HTTP versions to serve. <see cref="HttpProtocols.Http2"/> on plain HTTP means h2c with prior
    /// knowledge.</summary>
    /// <value>The default value is <see langword="null"/>: HTTP/1.1 on plain HTTP, HTTP/1.1 and HTTP/2 (ALPN) with
    /// TLS.</value>
    public HttpProtocols? Protocols { get; set; }

    /// <summary>The seed of the random source behind <see cref="TestFaults.ErrorRate"/>, so runs repeat.</summary>
    /// <value>The default value is 12345.</value>
    public int RandomSeed { get; set; } = 12345;

    /// <summary>The largest request body accepted, in bytes; larger bodies get 413.</summary>
    /// <value>The default value is 16 MiB.</value>
    public long MaxRequestBodySize { get; set; } = 16 * 1024 * 1024;

    /// <summary>How long <see cref="TestMcpService.DisposeAsync"/> lets in-flight requests finish after asking
    /// them to stop, before it aborts their connections.</summary>
    /// <value>The default value is 2 seconds.</value>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The initial mode of the MCP endpoint (<see cref="TestMcpEndpoint.Mode"/>).</summary>
    /// <value>The default value is <see cref="TestMcpMode.StatelessJson"/>.</value>
    public TestMcpMode McpMode { get; set; } = TestMcpMode.StatelessJson;

    /// <summary>The initial answer to a lost MCP session, 404 or 400 (<see cref="TestMcpEndpoint.SessionLostStatus"/>).</summary>
    /// <value>The default value is 404.</value>
    public int McpSessionLostStatus { get; set; } = 404;

    /// <summary>The initial <c>retry</c> of MCP priming events (<see cref="TestMcpEndpoint.SseRetry"/>);
    /// <see langword="null"/> sends none.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>: reconnect at once.</value>
    public TimeSpan? McpSseRetry { get; set; } = TimeSpan.Zero;

    internal static void ValidateSessionLostStatus(int status)
    {
        if (status is not (400 or 404))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "The session-lost status is 404 or 400.");
        }
    }

    internal void Validate()
    {
        if (!Enum.IsDefined(McpMode))
        {
            throw new ArgumentOutOfRangeException(nameof(McpMode), McpMode, "Unknown TestMcpMode.");
        }

        ValidateSessionLostStatus(McpSessionLostStatus);
        if (McpSseRetry < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(McpSseRetry), McpSseRetry, "McpSseRetry must not be negative.");
        }

        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be between 0 and 65535.");
        }

        if (Certificate is { HasPrivateKey: false })
        {
            throw new ArgumentException("The server certificate must carry its private key.", nameof(Certificate));
        }

        if (RequireClientCertificate && Certificate is null)
        {
            throw new ArgumentException("RequireClientCertificate needs a server Certificate (TLS).",
                nameof(RequireClientCertificate));
        }

        if (MaxRequestBodySize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxRequestBodySize), MaxRequestBodySize,
                "MaxRequestBodySize must be positive.");
        }

        if (ShutdownTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ShutdownTimeout), ShutdownTimeout,
                "ShutdownTimeout must not be negative.");
        }
    }
}
