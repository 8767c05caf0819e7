using System.Net;

namespace Cortex.Mcp.Fast.ServiceDiscovery;

/// <summary>How <see cref="DnsSrvServiceDiscovery"/> finds a service's endpoints in DNS SRV records.</summary>
/// <remarks>
/// An MCP service named <c>catalog</c> is looked up as the SRV name <see cref="QueryNames"/>[<c>catalog</c>] when
/// present, else <see cref="QueryNameFormat"/> with the name in place of <c>{0}</c> (<c>_mcp._tcp.catalog</c>). Each
/// endpoint is <c>{Scheme}://{address or target}:{port}{Path}</c>.
/// </remarks>
public sealed class DnsSrvDiscoveryOptions
{
    private string _queryNameFormat = "_mcp._tcp.{0}";
    private string _scheme = Uri.UriSchemeHttp;
    private string _path = "/";
    private TimeSpan _minTtl = TimeSpan.FromSeconds(1);
    private TimeSpan _maxTtl = TimeSpan.FromMinutes(5);
    private TimeSpan _failureRetryDelay = TimeSpan.FromSeconds(5);
    private TimeSpan _queryTimeout = TimeSpan.FromSeconds(2);
    private int _queryRetries = 1;
    private int _maxEndpoints = 64;

    /// <summary>Gets the name servers to ask (address and port, for example <c>10.96.0.10:53</c>); empty for the
    /// machine's own resolvers.</summary>
    public IList<IPEndPoint> NameServers { get; } = new List<IPEndPoint>();

    /// <summary>Gets the SRV name of each MCP service that does not follow <see cref="QueryNameFormat"/>, by
    /// service name, for example <c>QueryNames["catalog"] = "_mcp._tcp.catalog.shop.svc.cluster.local"</c>.</summary>
    public IDictionary<string, string> QueryNames { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the SRV name of a service, <c>{0}</c> standing for the service name.</summary>
    /// <value>The default value is <c>_mcp._tcp.{0}</c>.</value>
    /// <exception cref="ArgumentException">The value does not contain <c>{0}</c>.</exception>
    public string QueryNameFormat
    {
        get => _queryNameFormat;
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(value);
            _queryNameFormat = value.Contains("{0}", StringComparison.Ordinal)
                ? value
                : throw new ArgumentException("QueryNameFormat must contain {0}, the service name.", nameof(value));
        }
    }

    /// <summary>Gets or sets the scheme of every endpoint (SRV records carry none).</summary>
    /// <value>The default value is <c>http</c>. With <c>https</c>, set <see cref="ResolveTargets"/> to false when the
    /// services' certificates name hosts rather than addresses.</value>
    /// <exception cref="ArgumentException">The value is not <c>http</c> or <c>https</c>.</exception>
    public string Scheme
    {
        get => _scheme;
        set => _scheme = value is "http" or "https"
            ? value
            : throw new ArgumentException("Scheme must be http or https.", nameof(value));
    }

    /// <summary>Gets or sets the path of every endpoint, for example <c>/mcp</c> (which also lets
    /// <see cref="McpProtocol.Auto"/> choose Streamable HTTP).</summary>
    /// <value>The default value is <c>/</c>.</value>
    /// <exception cref="ArgumentException">The value does not start with <c>/</c>, or holds a query or fragment.</exception>
    public string Path
    {
        get => _path;
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(value);
            _path = value[0] == '/' && value.IndexOfAny(['?', '#']) < 0
                ? value
                : throw new ArgumentException("Path must be an absolute path (starting with /) without a query or fragment.", nameof(value));
        }
    }

    /// <summary>Gets or sets whether SRV targets are turned into addresses (A and AAAA records, from the answer's
    /// additional section or looked up), one endpoint per address; when false, each endpoint names its target host
    /// and the HTTP stack resolves it.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ResolveTargets { get; set; } = true;

    /// <summary>Gets or sets the shortest time an answer is kept before it is looked up again, whatever its TTL.</summary>
    /// <value>The default value is 1 second. Must be positive and not above <see cref="MaxTtl"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan MinTtl
    {
        get => _minTtl;
        set => _minTtl = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MinTtl must be positive.");
    }

    /// <summary>Gets or sets the longest time an answer is kept before it is looked up again, whatever its TTL.</summary>
    /// <value>The default value is 5 minutes. Must be positive and not below <see cref="MinTtl"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan MaxTtl
    {
        get => _maxTtl;
        set => _maxTtl = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxTtl must be positive.");
    }

    /// <summary>Gets or sets how long after a failed lookup (no answer in time, a server failure) the next one
    /// starts; the last good answer is kept meanwhile.</summary>
    /// <value>The default value is 5 seconds. Must be positive.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan FailureRetryDelay
    {
        get => _failureRetryDelay;
        set => _failureRetryDelay = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "FailureRetryDelay must be positive.");
    }

    /// <summary>Gets or sets how long one DNS query waits for its answer.</summary>
    /// <value>The default value is 2 seconds. Must be between 1 ms and 1 minute.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is out of range.</exception>
    public TimeSpan QueryTimeout
    {
        get => _queryTimeout;
        set => _queryTimeout = value >= TimeSpan.FromMilliseconds(1) && value <= TimeSpan.FromMinutes(1)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "QueryTimeout must be between 1 ms and 1 minute.");
    }

    /// <summary>Gets or sets how many times a query that timed out is sent again.</summary>
    /// <value>The default value is 1. Must be between 0 and 5.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is out of range.</exception>
    public int QueryRetries
    {
        get => _queryRetries;
        set => _queryRetries = value is >= 0 and <= 5
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "QueryRetries must be between 0 and 5.");
    }

    /// <summary>Gets or sets the most endpoints one service gets from an answer (each has its own connection pool);
    /// further ones are left out, with a warning.</summary>
    /// <value>The default value is 64. Must be between 1 and 1024.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is out of range.</exception>
    public int MaxEndpoints
    {
        get => _maxEndpoints;
        set => _maxEndpoints = value is >= 1 and <= 1024
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxEndpoints must be between 1 and 1024.");
    }
}
