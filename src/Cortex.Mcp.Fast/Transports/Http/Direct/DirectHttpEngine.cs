using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// The direct HTTP/1.1 engine for one endpoint (scheme, host and port of a base address): its connection pool, its TLS
/// settings, and one call to send a pre-encoded request and get the response head and a body reader.
/// </summary>
/// <remarks>
/// <para>Thread-safe. Selected per service with <see cref="HttpOptions.Engine"/> (see <see cref="HttpEngines"/>).</para>
/// <para>A request that provably never left (the leased connection turned out closed before any byte was written) is
/// sent again on another connection, once; every other failure is the caller's to judge.</para>
/// </remarks>
internal sealed class DirectHttpEngine : IHttpEngine
{
    private readonly Http1Limits _limits;
    private readonly Http1Tls? _tls;
    private readonly EndPoint _endPoint;
    private readonly TimeSpan _connectTimeout;
    private readonly EndpointPolicy _endpointPolicy;
    private readonly TimeProvider _timeProvider;
    private readonly KeyValuePair<string, string>[]? _staticHeaders;

    /// <param name="baseAddress">An absolute <c>http</c> or <c>https</c> address; only its scheme, host and port are used here.</param>
    /// <param name="settings">The pool and connection settings.</param>
    /// <param name="tls">The service's TLS options (used for <c>https</c> only); null for the defaults.</param>
    /// <param name="timeProvider">The clock for connect timeouts and the pool's idle timeout, lifetime and sweep.</param>
    /// <exception cref="ArgumentException">The address is not absolute <c>http</c>/<c>https</c>.</exception>
    public DirectHttpEngine(Uri baseAddress, DirectHttpEngineSettings settings, TlsOptions? tls, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (!baseAddress.IsAbsoluteUri || (baseAddress.Scheme != Uri.UriSchemeHttp && baseAddress.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("The direct engine needs an absolute http or https address.", nameof(baseAddress));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(settings.ConnectTimeout, TimeSpan.Zero, nameof(settings));
        BaseAddress = baseAddress;
        string host = baseAddress.IdnHost.Trim('[', ']');
        string hostHeader = baseAddress.HostNameType == UriHostNameType.IPv6 ? "[" + host + "]" : host;
        Authority = baseAddress.IsDefaultPort ? hostHeader : hostHeader + ":" + baseAddress.Port.ToString(CultureInfo.InvariantCulture);
        _endPoint = IPAddress.TryParse(host, out IPAddress? address) ? new IPEndPoint(address, baseAddress.Port) : new DnsEndPoint(host, baseAddress.Port, AddressFamily.Unspecified);
        _tls = baseAddress.Scheme == Uri.UriSchemeHttps ? new Http1Tls(tls ?? new TlsOptions(), host) : null;
        _limits = settings.Limits;
        _connectTimeout = settings.ConnectTimeout;
        _endpointPolicy = settings.EndpointPolicy;
        _timeProvider = timeProvider;
        _staticHeaders = settings.StaticHeaders;
        Pool = new Http1ConnectionPool<Http1Connection>(ConnectAsync, settings.MaxConnections, settings.IdleTimeout, settings.ConnectionLifetime, timeProvider);
    }

    /// <summary>Gets the base address.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the Host header value for this endpoint (<c>host[:port]</c>).</summary>
    public string Authority { get; }

    /// <summary>Gets the connection pool (for warm-up and diagnostics).</summary>
    public Http1ConnectionPool<Http1Connection> Pool { get; }

    /// <summary>Gets the connections currently open.</summary>
    public int OpenConnections => Pool.OpenConnections;

    /// <summary>Encodes the fixed part of a request to <paramref name="pathAndQuery"/> on this endpoint (do it once per target).</summary>
    public PreEncodedRequest CreateRequest(string method, string pathAndQuery, IEnumerable<KeyValuePair<string, string>>? fixedHeaders = null) =>
        new(method, pathAndQuery, Authority, fixedHeaders);

    public HttpTarget CreateTarget(HttpMethod method, Uri uri, string? accept, string? contentType)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || Uri.Compare(uri, BaseAddress, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0)
        {
            throw new ArgumentException("The direct engine sends only to its own endpoint's scheme, host and port.", nameof(uri));
        }

        var fixedHeaders = new List<KeyValuePair<string, string>>(2 + (_staticHeaders?.Length ?? 0));
        if (accept is not null)
        {
            fixedHeaders.Add(new("Accept", accept));
        }

        if (contentType is not null)
        {
            fixedHeaders.Add(new("Content-Type", contentType));
        }

        // The service's static headers (API keys...) are encoded here, once per target, not per request.
        fixedHeaders.AddRange(_staticHeaders ?? []);

        var encoded = new PreEncodedRequest(method.Method, uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped), Authority, fixedHeaders);
        return new DirectHttpTarget(method, uri, accept, contentType, encoded);
    }

    // The transports' path: straight to the one async method (no wrapper layer to resume on every reply).
    public ValueTask<HttpEngineResponse> SendAsync(HttpTarget target, HttpRequestFields fields, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        SendCoreAsync(((DirectHttpTarget)target).Encoded, fields, body, cancellationToken);

    public async ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken)
    {
        try
        {
            await Pool.WarmUpAsync(connections, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is Http1ConnectionException or OperationCanceledException)
        {
            // Best effort: the first call reports connection problems with full context.
        }
    }

    public Errors.TransportFailure? MapFailure(Exception exception, bool responseStarted, CancellationToken cancellationToken) =>
        Http1FailureMapper.Map(exception, _connectTimeout, cancellationToken);

    public bool IsBrokenConnection(Exception exception) =>
        exception is Http1ConnectionException or Http1ProtocolException or IOException;

    /// <summary>
    /// Sends the request on a pooled connection and returns once the final response head is read; read the body from
    /// the response, then dispose it (which gives the connection back when the body was read to its end).
    /// </summary>
    /// <exception cref="Http1ConnectionException">The connection failed; see <see cref="Http1ConnectionException.RequestNotSent"/>.</exception>
    /// <exception cref="Http1ProtocolException">The response was refused.</exception>
    /// <exception cref="ArgumentException">A header value was refused (nothing was sent).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public async ValueTask<DirectHttpResponse> SendAsync(
        PreEncodedRequest request, HttpRequestFields headers, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return (DirectHttpResponse)await SendCoreAsync(request, headers, body, cancellationToken).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<HttpEngineResponse> SendCoreAsync(
        PreEncodedRequest request, HttpRequestFields headers, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            Http1Connection connection = await Pool.LeaseAsync(cancellationToken).ConfigureAwait(false);
            Http1ResponseHead head;
            try
            {
                head = await connection.SendAsync(request, headers, body, cancellationToken).ConfigureAwait(false);
            }
            catch (Http1ConnectionException ex) when (ex.RequestNotSent && attempt == 0)
            {
                // The pooled connection closed between the pool's look and the write: nothing left, so send again.
                await Pool.ReturnAsync(connection).ConfigureAwait(false);
                continue;
            }
            catch
            {
                // A refused header value leaves the connection usable; anything else has marked it broken.
                await Pool.ReturnAsync(connection).ConfigureAwait(false);
                throw;
            }

            // One response object per connection, reused: a connection serves one request at a time.
            DirectHttpResponse response = connection.Response ??= new DirectHttpResponse(Pool, connection, head, _timeProvider);
            response.Rearm();
            return response;
        }
    }

    /// <summary>Closes the pool's connections.</summary>
    public ValueTask DisposeAsync() => Pool.DisposeAsync();

    private ValueTask<Http1Connection> ConnectAsync(CancellationToken cancellationToken) =>
        Http1Connection.ConnectAsync(_endPoint, _tls, _limits, _connectTimeout, _timeProvider, cancellationToken, _endpointPolicy);
}

/// <summary>The settings of a <see cref="DirectHttpEngine"/>'s pool and connections.</summary>
internal sealed class DirectHttpEngineSettings
{
    /// <summary>Gets the most connections open at once.</summary>
    /// <value>The default value is 64.</value>
    public int MaxConnections { get; init; } = 64;

    /// <summary>Gets the bound on a connect (and TLS handshake).</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets how long a connection may sit idle and still be lent.</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets how long after it was made a connection may still be pooled.</summary>
    /// <value>The default value is <see cref="Timeout.InfiniteTimeSpan"/>.</value>
    public TimeSpan ConnectionLifetime { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Gets the headers sent with every request (already checked), encoded into each target; null for none.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public KeyValuePair<string, string>[]? StaticHeaders { get; init; }

    /// <summary>Gets the policy the addresses dialled must meet (see <see cref="Fast.EndpointPolicy"/>).</summary>
    public EndpointPolicy EndpointPolicy { get; init; }

    /// <summary>Gets the parser's limits.</summary>
    /// <value>The default value is <see cref="Http1Limits.Default"/>.</value>
    public Http1Limits Limits { get; init; } = Http1Limits.Default;
}
