using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Tasks;

using Cortex.Mcp.Fast.Endpoints;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>
/// The default HTTP engine of one endpoint: one <see cref="SocketsHttpHandler"/> used through an
/// <see cref="HttpMessageInvoker"/>, configured for safety (no redirects or cookies, no proxy but the service's own;
/// finite connect timeout; bounded connection lifetime) and counting its open connections. The caller's
/// <see cref="DelegatingHandler"/>s sit over it; the service's static headers and its HTTP version go on every request.
/// </summary>
/// <remarks>Per-call deadlines come from the dispatcher's tokens, never from <c>HttpClient.Timeout</c>.</remarks>
internal sealed class SocketsHttpEngine : IHttpEngine
{
    private readonly SocketsHttpHandler _handler;
    private readonly KeyValuePair<string, string>[]? _staticHeaders;
    private readonly Version _version;
    private readonly HttpVersionPolicy _versionPolicy;
    private readonly EndpointPolicy _endpointPolicy;
    private int _openConnections;
    private long _acceptedConnections;

    public SocketsHttpEngine(Uri endpoint, McpServiceOptions options, int maxConnections)
    {
        BaseAddress = NormalizeBaseAddress(endpoint);
        ConnectTimeout = options.Http.ConnectTimeout;

        _staticHeaders = options.Http.Headers.Snapshot();
        _endpointPolicy = options.EndpointPolicy;
        (_version, _versionPolicy) = options.Http.Version switch
        {
            // Exact 2.0 over http:// is h2c with prior knowledge; over https:// ALPN must pick h2.
            HttpProtocolVersion.Http2 => (HttpVersion.Version20, HttpVersionPolicy.RequestVersionExact),
            HttpProtocolVersion.Http2OrHttp11 => (HttpVersion.Version20, HttpVersionPolicy.RequestVersionOrLower),
            _ => (HttpVersion.Version11, HttpVersionPolicy.RequestVersionOrLower),
        };
        _handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,

            // Only the service's own proxy: never the environment's (HTTP_PROXY and the like).
            UseProxy = options.Http.Proxy is not null,
            Proxy = options.Http.Proxy,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = options.Http.ConnectTimeout,
            PooledConnectionLifetime = options.Http.PooledConnectionLifetime,
            PooledConnectionIdleTimeout = options.Http.PooledConnectionIdleTimeout,
            MaxConnectionsPerServer = Math.Max(1, maxConnections),
            EnableMultipleHttp2Connections = true,
            MaxResponseHeadersLength = 64,
            ResponseDrainTimeout = TimeSpan.FromSeconds(2),
            // Last-Event-ID and other header values may be non-ASCII (WHATWG allows any UTF-8 id).
            RequestHeaderEncodingSelector = static (_, _) => System.Text.Encoding.UTF8,
            ConnectCallback = ConnectAsync,
        };
        ConfigureTls(_handler, options.Tls);
        Invoker = new HttpMessageInvoker(BuildPipeline(_handler, options.Http.MessageHandlers), disposeHandler: true);
    }

    /// <summary>The endpoint, ending with '/'.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The connect timeout, for timeout errors.</summary>
    public TimeSpan ConnectTimeout { get; }

    /// <summary>The primary handler (under the caller's handlers), for tests of its settings.</summary>
    internal SocketsHttpHandler Handler => _handler;

    /// <summary>The invoker every request goes through.</summary>
    public HttpMessageInvoker Invoker { get; }

    /// <summary>Connections currently open.</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Connections opened since creation.</summary>
    public long AcceptedConnections => Interlocked.Read(ref _acceptedConnections);

    /// <summary>
    /// Checks an endpoint both engines accept (absolute http or https, no user information) and normalises it to a
    /// trailing slash, so relative tool and resource URIs stay under the base path.
    /// </summary>
    /// <exception cref="ArgumentException">The endpoint is not one the engines accept.</exception>
    public static Uri NormalizeBaseAddress(Uri endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("Only http and https endpoints are supported.", nameof(endpoint));
        }

        if (!string.IsNullOrEmpty(endpoint.UserInfo))
        {
            throw new ArgumentException("Endpoints must not carry user information.", nameof(endpoint));
        }

        return endpoint.AbsoluteUri.EndsWith('/') ? endpoint : new Uri(endpoint.AbsoluteUri + "/");
    }

    public HttpTarget CreateTarget(HttpMethod method, Uri uri, string? accept, string? contentType) =>
        new SocketsHttpTarget(method, uri, accept, contentType);

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<HttpEngineResponse> SendAsync(HttpTarget target, HttpRequestFields fields, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(target.Method, target.Uri) { Version = _version, VersionPolicy = _versionPolicy };
        try
        {
            if (target.ContentType is { } contentType)
            {
                request.Content = new ReadOnlyMemoryContent(body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            }

            var headers = request.Headers;
            Add(headers, "Accept", target.Accept);
            Add(headers, "Authorization", fields.Authorization);
            Add(headers, "Mcp-Session-Id", fields.SessionId);
            Add(headers, "MCP-Protocol-Version", fields.ProtocolVersion);
            Add(headers, "Mcp-Method", fields.McpMethod);
            Add(headers, "Mcp-Name", fields.McpName);
            Add(headers, "Last-Event-ID", fields.LastEventId);
            AddAll(headers, _staticHeaders);
            AddAll(headers, fields.CallHeaders);
            var response = await Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return new SocketsHttpResponse(request, response);
        }
        catch
        {
            request.Dispose();
            throw;
        }
    }

    public async ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken)
    {
        // SocketsHttpHandler has no "open a connection" call. An HTTP/1.1 connection stays busy until its response
        // is read or disposed, so N requests whose responses are all held until every one has arrived force N
        // distinct pooled connections. Any answer (even 404) will do; failures are not fatal here — the first call
        // reports connection problems with full context.
        var requests = new HttpRequestMessage[connections];
        var sends = new Task<HttpResponseMessage>[connections];
        for (var i = 0; i < connections; i++)
        {
            requests[i] = new HttpRequestMessage(HttpMethod.Get, BaseAddress) { Version = _version, VersionPolicy = _versionPolicy };
            AddAll(requests[i].Headers, _staticHeaders);
            sends[i] = Invoker.SendAsync(requests[i], cancellationToken);
        }

        try
        {
            await Task.WhenAll(sends).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            // Best effort, see above.
        }
        finally
        {
            foreach (var send in sends)
            {
                if (send.IsCompletedSuccessfully)
                {
                    send.Result.Dispose();
                }
            }

            foreach (var request in requests)
            {
                request.Dispose();
            }
        }
    }

    public TransportFailure? MapFailure(Exception exception, bool responseStarted, CancellationToken cancellationToken) =>
        HttpFailureMapper.Map(exception, ConnectTimeout, responseStarted, cancellationToken);

    public bool IsBrokenConnection(Exception exception) => exception is IOException or HttpRequestException;

    public ValueTask DisposeAsync()
    {
        Invoker.Dispose();
        return ValueTask.CompletedTask;
    }

    private static void Add(HttpRequestHeaders headers, string name, string? value)
    {
        if (value is not null)
        {
            headers.TryAddWithoutValidation(name, value);
        }
    }

    private static void AddAll(HttpRequestHeaders headers, KeyValuePair<string, string>[]? values)
    {
        if (values is not null)
        {
            foreach (var (name, value) in values)
            {
                headers.TryAddWithoutValidation(name, value);
            }
        }
    }

    /// <summary>
    /// Layers the caller's handlers over the primary one, outermost first (the first factory's handler sees the
    /// request first). The primary handler stays the library's: redirects, cookies, timeouts and TLS are its own.
    /// </summary>
    /// <exception cref="ArgumentException">A factory returned null, a handler already chained, or threw.</exception>
    private static HttpMessageHandler BuildPipeline(SocketsHttpHandler primary, IList<Func<DelegatingHandler>> factories)
    {
        HttpMessageHandler outer = primary;
        for (var i = factories.Count - 1; i >= 0; i--)
        {
            DelegatingHandler? handler;
            try
            {
                handler = factories[i]();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                outer.Dispose();
                throw new ArgumentException($"Http.MessageHandlers[{i}] threw {ex.GetType().Name} while creating its handler.", nameof(factories), ex);
            }

            if (handler is null || handler.InnerHandler is not null)
            {
                outer.Dispose();
                throw new ArgumentException($"Http.MessageHandlers[{i}] must return a new DelegatingHandler whose InnerHandler is not set.", nameof(factories));
            }

            handler.InnerHandler = outer;
            outer = handler;
        }

        return outer;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // The addresses actually dialled are checked, not only the name discovery gave (DNS rebinding); with a
            // proxy, the proxy's.
            await EndpointPolicyConnect.ConnectSocketAsync(socket, context.DnsEndPoint, _endpointPolicy, cancellationToken).ConfigureAwait(false);
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
    private sealed class CountedNetworkStream(Socket socket, SocketsHttpEngine owner) : NetworkStream(socket, ownsSocket: true)
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
