using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>
/// The HTTP engine of one endpoint (the seam where the direct HTTP/1.1 engine will plug in), shared by both protocols: one <see cref="SocketsHttpHandler"/> used through an
/// <see cref="HttpMessageInvoker"/>, configured for safety (no redirects, cookies or proxy; finite connect timeout;
/// bounded connection lifetime) and counting its open connections.
/// </summary>
/// <remarks>Per-call deadlines come from the dispatcher's tokens, never from <c>HttpClient.Timeout</c>.</remarks>
internal sealed class HttpEngine : IDisposable
{
    private readonly SocketsHttpHandler _handler;
    private int _openConnections;
    private long _acceptedConnections;

    public HttpEngine(Uri endpoint, McpServiceOptions options, int maxConnections)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("Only http and https endpoints are supported.", nameof(endpoint));
        }

        if (!string.IsNullOrEmpty(endpoint.UserInfo))
        {
            throw new ArgumentException("Endpoints must not carry user information.", nameof(endpoint));
        }

        // Normalise to a trailing slash so relative tool and resource URIs stay under the base path.
        BaseAddress = endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
        ConnectTimeout = options.Http.ConnectTimeout;

        _handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.Http.ConnectTimeout,
            PooledConnectionLifetime = options.Http.PooledConnectionLifetime,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            MaxConnectionsPerServer = Math.Max(1, maxConnections),
            EnableMultipleHttp2Connections = true,
            MaxResponseHeadersLength = 64,
            ResponseDrainTimeout = TimeSpan.FromSeconds(2),
            // Last-Event-ID and other header values may be non-ASCII (WHATWG allows any UTF-8 id).
            RequestHeaderEncodingSelector = static (_, _) => System.Text.Encoding.UTF8,
            ConnectCallback = ConnectAsync,
        };
        ConfigureTls(_handler, options.Tls);
        Invoker = new HttpMessageInvoker(_handler, disposeHandler: true);
    }

    /// <summary>The endpoint, ending with '/'.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The connect timeout, for timeout errors.</summary>
    public TimeSpan ConnectTimeout { get; }

    /// <summary>The invoker every request goes through.</summary>
    public HttpMessageInvoker Invoker { get; }

    /// <summary>Connections currently open.</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Connections opened since creation.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _acceptedConnections);

    public void Dispose() => Invoker.Dispose();

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        Interlocked.Increment(ref _openConnections);
        Interlocked.Increment(ref _acceptedConnections);
        return new CountedNetworkStream(socket, this);
    }

    private static void ConfigureTls(SocketsHttpHandler handler, TlsOptions tls)
    {
        if (tls.ClientCertificates is { Count: > 0 } clientCertificates)
        {
            handler.SslOptions.ClientCertificates = clientCertificates;
        }

        handler.SslOptions.CertificateRevocationCheckMode = tls.RevocationMode;
        // null: system trust store, default validation.
        handler.SslOptions.RemoteCertificateValidationCallback = TlsValidation.CreateCallback(tls.TrustedRootCertificates, tls.RemoteCertificateValidation, tls.RevocationMode);
    }

    /// <summary>A network stream that keeps the endpoint's open-connection count.</summary>
    private sealed class CountedNetworkStream(Socket socket, HttpEngine owner) : NetworkStream(socket, ownsSocket: true)
    {
        private int _disposed;

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                Interlocked.Decrement(ref owner._openConnections);
            }

            base.Dispose(disposing);
        }
    }
}
