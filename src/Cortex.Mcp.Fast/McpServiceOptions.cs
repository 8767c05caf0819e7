using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast;

/// <summary>What a full call queue does with a new call.</summary>
public enum QueueFullMode
{
    /// <summary>Wait for room until the call's deadline, then fail with <see cref="CallTimeoutException"/>.</summary>
    Wait,

    /// <summary>Fail at once with <see cref="QueueFullException"/>.</summary>
    FailFast,
}

/// <summary>The wire protocol spoken to a service.</summary>
public enum McpProtocol
{
    /// <summary>The seed's REST+SSE protocol: <c>POST /tool/{name}</c>, <c>GET /resource/{path}</c>.</summary>
    Rest,

    /// <summary>MCP Streamable HTTP (JSON-RPC 2.0).</summary>
    StreamableHttp,

    /// <summary>
    /// Chosen from the endpoint: a path whose last segment is <c>mcp</c> (for example <c>http://host/mcp</c> or
    /// <c>http://host/api/mcp/</c>, case-insensitive) speaks <see cref="StreamableHttp"/>; any other path speaks
    /// <see cref="Rest"/>.
    /// </summary>
    Auto,
}

/// <summary>
/// Answers a request that an MCP server sends to the client (<c>sampling/createMessage</c>,
/// <c>elicitation/create</c>, <c>roots/list</c>, or another method).
/// </summary>
/// <param name="method">The JSON-RPC method name.</param>
/// <param name="paramsUtf8">The request's <c>params</c> as UTF-8 JSON (empty when absent); valid only during the call.</param>
/// <param name="cancellationToken">Fires when the client is disposed or the answer is no longer wanted.</param>
/// <returns>The JSON-RPC <c>result</c> as one UTF-8 JSON value, or null when the method is not handled (the server
/// then gets error -32601). A thrown exception is answered with error -32603.</returns>
public delegate ValueTask<byte[]?> McpServerRequestHandler(string method, ReadOnlyMemory<byte> paramsUtf8, CancellationToken cancellationToken);

/// <summary>
/// Settings of one remote service: queue, workers, connection pool, deadlines, retries, circuit breaker, auth, TLS.
/// </summary>
/// <remarks>Setters validate their value. An instance is read when the service is first connected; later changes
/// do not affect a running service.</remarks>
public sealed class McpServiceOptions
{
    private int _workerCount = 8;
    private int _queueCapacity = 1024;
    private int _maxStreams = 4;
    private int _minConnections;
    private TimeSpan _toolCallTimeout = TimeSpan.FromSeconds(30);
    private TimeSpan _streamOpenTimeout = TimeSpan.FromSeconds(60);
    private TimeSpan _connectTimeout = TimeSpan.FromSeconds(10);
    private TimeSpan _pooledConnectionLifetime = TimeSpan.FromMinutes(5);
    private int _maxResponseBytes = 16 * 1024 * 1024;

    /// <summary>Gets or sets the number of worker loops that drain the service's queue.</summary>
    /// <value>The default value is 8. Must be between 1 and 1024.</value>
    public int WorkerCount
    {
        get => _workerCount;
        set => _workerCount = value is >= 1 and <= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "WorkerCount must be between 1 and 1024.");
    }

    /// <summary>Gets or sets the capacity of the service's bounded call queue.</summary>
    /// <value>The default value is 1024. Must be between 1 and 1,048,576.</value>
    public int QueueCapacity
    {
        get => _queueCapacity;
        set => _queueCapacity = value is >= 1 and <= 1 << 20 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "QueueCapacity must be between 1 and 1048576.");
    }

    /// <summary>Gets or sets what a full queue does with a new call.</summary>
    /// <value>The default value is <see cref="QueueFullMode.Wait"/> (until the call's deadline).</value>
    public QueueFullMode QueueFullMode { get; set; } = QueueFullMode.Wait;

    /// <summary>Gets or sets the number of resource streams that may be open at once (stream slots).</summary>
    /// <value>The default value is 4. Must be between 1 and 1024.</value>
    public int MaxStreams
    {
        get => _maxStreams;
        set => _maxStreams = value is >= 1 and <= 1024 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxStreams must be between 1 and 1024.");
    }

    /// <summary>Gets or sets how many connections <see cref="NetworkMcpClient.ConnectAsync"/> opens ahead of use.</summary>
    /// <value>The default value is 0. Must not exceed <see cref="WorkerCount"/> + <see cref="MaxStreams"/>.</value>
    public int MinConnections
    {
        get => _minConnections;
        set => _minConnections = value is >= 0 and <= 2048 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MinConnections must be between 0 and 2048.");
    }

    /// <summary>Gets or sets the default deadline of a tool call: queue wait, every attempt and every backoff.</summary>
    /// <value>The default value is 30 seconds (the seed's). Must be positive.</value>
    public TimeSpan ToolCallTimeout
    {
        get => _toolCallTimeout;
        set => _toolCallTimeout = Positive(value, nameof(value));
    }

    /// <summary>Gets or sets the time allowed to open a resource stream (until its response headers arrive).</summary>
    /// <value>The default value is 60 seconds (the seed's). Must be positive.</value>
    public TimeSpan StreamOpenTimeout
    {
        get => _streamOpenTimeout;
        set => _streamOpenTimeout = Positive(value, nameof(value));
    }

    /// <summary>Gets or sets the TCP (and TLS) connect timeout of the connection pool.</summary>
    /// <value>The default value is 10 seconds. Must be positive.</value>
    public TimeSpan ConnectTimeout
    {
        get => _connectTimeout;
        set => _connectTimeout = Positive(value, nameof(value));
    }

    /// <summary>Gets or sets how long a pooled connection lives before it is replaced (so DNS changes are seen).</summary>
    /// <value>The default value is 5 minutes. Must be positive.</value>
    public TimeSpan PooledConnectionLifetime
    {
        get => _pooledConnectionLifetime;
        set => _pooledConnectionLifetime = Positive(value, nameof(value));
    }

    /// <summary>Gets or sets the largest response body accepted; larger bodies fail with <see cref="McpProtocolException"/>.</summary>
    /// <value>The default value is 16 MiB. Must be between 1 KiB and 1 GiB.</value>
    public int MaxResponseBytes
    {
        get => _maxResponseBytes;
        set => _maxResponseBytes = value is >= 1024 and <= 1 << 30 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "MaxResponseBytes must be between 1024 and 1073741824.");
    }

    /// <summary>Gets or sets the protocol spoken to the service.</summary>
    /// <value>The default value is <see cref="McpProtocol.Rest"/>.</value>
    public McpProtocol Protocol { get; set; } = McpProtocol.Rest;

    /// <summary>
    /// Gets or sets whether MCP Streamable HTTP speaks revision 2026-07-28 (no <c>initialize</c> handshake and no
    /// session; every request carries <c>Mcp-Method</c>/<c>Mcp-Name</c> headers and its metadata in <c>_meta</c>)
    /// instead of negotiating a handshake revision (2025-11-25 offered; 2025-06-18 and 2025-03-26 accepted).
    /// </summary>
    /// <value>The default value is <see langword="false"/>: use the handshake. Only servers that speak 2026-07-28 accept it.</value>
    public bool UseStatelessMcpRevision { get; set; }

    /// <summary>
    /// Gets or sets the handler of server→client requests other than <c>ping</c> (which is always answered). When set,
    /// the client declares the <c>sampling</c>, <c>elicitation</c> and <c>roots</c> capabilities; when null it declares
    /// none and answers such requests with error -32601.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public McpServerRequestHandler? ServerRequestHandler { get; set; }

    /// <summary>Gets or sets the retry settings of tool calls.</summary>
    /// <value>The default value is <see cref="RetryOptions.Default"/>: 3 retries, 100 ms base, exponential with jitter.</value>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>Gets or sets the retry budget: retries stay under a fraction of traffic so an outage does not multiply load.</summary>
    /// <value>The default value allows retries of 20 % of requests plus a floor of 10 per second (Finagle's figures).</value>
    public RetryBudgetOptions RetryBudget { get; set; } = new();

    /// <summary>Gets or sets the circuit breaker settings.</summary>
    /// <value>The default value opens after 5 consecutive failures for 30 seconds (the seed's).</value>
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>Gets or sets the provider of bearer tokens sent as <c>Authorization: Bearer</c>, or null for none.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public BearerTokenProvider? BearerTokenProvider { get; set; }

    /// <summary>Gets or sets TLS settings (custom CA, validation callback, client certificates).</summary>
    /// <value>The default value validates server certificates against the system trust store.</value>
    public TlsOptions Tls { get; set; } = new();

    /// <summary>Checks the combination of settings; throws <see cref="ArgumentException"/> on a bad one.</summary>
    public void Validate()
    {
        if (MinConnections > WorkerCount + MaxStreams)
        {
            throw new ArgumentException("MinConnections must not exceed WorkerCount + MaxStreams.", nameof(MinConnections));
        }

        ArgumentNullException.ThrowIfNull(Retry, nameof(Retry));
        ArgumentNullException.ThrowIfNull(CircuitBreaker, nameof(CircuitBreaker));
        ArgumentNullException.ThrowIfNull(Tls, nameof(Tls));
        ArgumentNullException.ThrowIfNull(RetryBudget, nameof(RetryBudget));
        RetryBudget.Validate();
        Retry.Validate();
        CircuitBreaker.Validate();
    }

    private static TimeSpan Positive(TimeSpan value, string name) =>
        value > TimeSpan.Zero && value != Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(name, value, "The value must be a positive, finite time span.");
}
