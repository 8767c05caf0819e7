using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast;

/// <summary>What a full call queue does with a new call, and whether an overloaded queue sheds calls.</summary>
public enum QueueFullMode
{
    /// <summary>
    /// Wait for room until the call's deadline, then fail with <see cref="CallTimeoutException"/>. At most
    /// <see cref="QueueOptions.MaxWaiters"/> callers wait; one more fails at once with <see cref="QueueFullException"/>.
    /// </summary>
    Wait,

    /// <summary>Fail at once with <see cref="QueueFullException"/>.</summary>
    FailFast,

    /// <summary>
    /// Fail at once with <see cref="QueueFullException"/> when the queue is full, and shed by queueing delay
    /// (CoDel-style): once calls have waited longer than <see cref="QueueOptions.ShedTarget"/> for a whole
    /// <see cref="QueueOptions.ShedInterval"/>, a call that waited longer than the target is refused with
    /// <see cref="QueueFullException"/> when a worker reaches it, until waits stay under the target for an interval.
    /// Retries and resumed calls are never shed. The default.
    /// </summary>
    Shed,
}

/// <summary>The wire protocol spoken to a service.</summary>
public enum McpProtocol
{
    /// <summary>A plain REST+SSE protocol: <c>POST /tool/{name}</c>, <c>GET /resource/{path}</c>.</summary>
    Rest,

    /// <summary>MCP Streamable HTTP (JSON-RPC 2.0).</summary>
    StreamableHttp,

    /// <summary>
    /// Chosen from the endpoint: a path whose last segment is <c>mcp</c> (for example <c>http://host/mcp</c> or
    /// <c>http://host/api/mcp/</c>, case-insensitive) speaks <see cref="StreamableHttp"/>; any other path speaks
    /// <see cref="Rest"/>.
    /// </summary>
    Auto,

    /// <summary>
    /// The legacy MCP HTTP+SSE transport (revision 2024-11-05): the endpoint is the SSE URL; the client POSTs to the
    /// URL its <c>endpoint</c> event announces (same origin only) and reads every response on the stream.
    /// </summary>
    LegacySse,

    /// <summary>
    /// Streamable HTTP, falling back to <see cref="LegacySse"/> by the spec's backwards-compatibility rule: when the
    /// <c>initialize</c> POST is refused with an HTTP 4xx other than 400, 401, 403, 407, 408 and 429, the client GETs
    /// the URL expecting the legacy <c>endpoint</c> event. The choice is made once per endpoint.
    /// <see cref="StreamableHttp"/> never probes.
    /// </summary>
    StreamableHttpOrLegacySse,
}

/// <summary>
/// Settings of one remote service, grouped by concern: the call queue, the HTTP pool, resource streams, MCP-only
/// settings, retries, the retry budget, the circuit breaker and TLS.
/// </summary>
/// <remarks>
/// <para>Setters validate their value; <see cref="Validate"/> checks the combinations. The groups are also the layout
/// of configuration keys (<c>Queue:WorkerCount</c>, <c>Http:ConnectTimeout</c>, <c>Streams:MaxConcurrent</c>, …).</para>
/// <para>A service takes a snapshot (a copy) of its settings when it is first connected: later changes to this
/// instance do not affect a running service.</para>
/// </remarks>
public sealed class McpServiceOptions
{
    private TimeSpan _callTimeout = TimeSpan.FromSeconds(30);
    private EndpointPolicy _endpointPolicy;

    /// <summary>Gets or sets the protocol spoken to the service.</summary>
    /// <value>The default value is <see cref="McpProtocol.Rest"/>.</value>
    public McpProtocol Protocol { get; set; } = McpProtocol.Rest;

    /// <summary>Gets or sets the default deadline of a call: queue wait, every attempt and every backoff.</summary>
    /// <value>The default value is 30 seconds. Must be positive.</value>
    public TimeSpan CallTimeout
    {
        get => _callTimeout;
        set => _callTimeout = OptionRules.Positive(value, nameof(CallTimeout));
    }

    /// <summary>Gets or sets the call queue settings: workers, capacity, full-queue behaviour.</summary>
    /// <value>The default value has 8 workers and room for 1024 calls, and waits when full.</value>
    public QueueOptions Queue { get; private init; } = new();

    /// <summary>Gets or sets the HTTP connection pool settings: timeouts, pre-opened connections, body limit, credentials.</summary>
    /// <value>The default value connects within 10 seconds, renews connections every 5 minutes and accepts bodies up to 16 MiB.</value>
    public HttpOptions Http { get; private init; } = new();

    /// <summary>Gets or sets the resource stream settings: slots, open timeout, stall limits, reconnects.</summary>
    /// <value>The default value allows 4 streams, 60 seconds to open, 30 seconds per line and 5 reconnects in a row.</value>
    public StreamOptions Streams { get; private init; } = new();

    /// <summary>Gets or sets the settings that apply only to MCP Streamable HTTP.</summary>
    /// <value>The default value negotiates a handshake revision and handles no server requests.</value>
    public McpOptions Mcp { get; private init; } = new();

    /// <summary>Gets or sets the retry settings of calls.</summary>
    /// <value>The default value is 3 retries, 100 ms base, exponential with jitter.</value>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>Gets or sets the retry budget: retries stay under a fraction of traffic so an outage does not multiply load.</summary>
    /// <value>The default value allows retries of 20 % of requests plus a floor of 10 per second (Finagle's figures).</value>
    public RetryBudgetOptions RetryBudget { get; set; } = new();

    /// <summary>Gets or sets the circuit breaker settings.</summary>
    /// <value>The default value opens after 5 consecutive failures for 30 seconds.</value>
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    /// <summary>Gets or sets TLS settings (custom CA, validation callback, client certificates).</summary>
    /// <value>The default value validates server certificates against the system trust store.</value>
    public TlsOptions Tls { get; private init; } = new();

    /// <summary>Gets or sets which endpoints from discovery the service may connect to.</summary>
    /// <value>The default value is <see cref="Fast.EndpointPolicy.Any"/>: loopback and private addresses are legitimate for many services.</value>
    public EndpointPolicy EndpointPolicy
    {
        get => _endpointPolicy;
        set => _endpointPolicy = Enum.IsDefined(value) ? value : throw OptionRules.OutOfRange(nameof(EndpointPolicy), value, "EndpointPolicy must be Any or PublicOnly.");
    }

    /// <summary>Checks the combination of settings; throws <see cref="ArgumentException"/> on a bad one.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Queue, nameof(Queue));
        ArgumentNullException.ThrowIfNull(Http, nameof(Http));
        ArgumentNullException.ThrowIfNull(Streams, nameof(Streams));
        ArgumentNullException.ThrowIfNull(Mcp, nameof(Mcp));
        ArgumentNullException.ThrowIfNull(Retry, nameof(Retry));
        ArgumentNullException.ThrowIfNull(CircuitBreaker, nameof(CircuitBreaker));
        ArgumentNullException.ThrowIfNull(Tls, nameof(Tls));
        ArgumentNullException.ThrowIfNull(RetryBudget, nameof(RetryBudget));
        if (Http.MinConnections > Queue.WorkerCount + Streams.MaxConcurrent)
        {
            throw new ArgumentException("Http.MinConnections must not exceed Queue.WorkerCount + Streams.MaxConcurrent.", nameof(Http));
        }

        Http.Validate();
        RetryBudget.Validate();
        Retry.Validate();
        CircuitBreaker.Validate();
    }

    /// <summary>
    /// A validated deep copy, taken when a service starts: the running service never sees later changes, and no
    /// option is read again per call from an instance the user may still be editing.
    /// </summary>
    internal McpServiceOptions Snapshot()
    {
        Validate();
        return new McpServiceOptions
        {
            Protocol = Protocol,
            _callTimeout = _callTimeout,
            Queue = Queue.Clone(),
            Http = Http.Clone(),
            Streams = Streams.Clone(),
            Mcp = Mcp.Clone(),
            Retry = Retry.Clone(),
            RetryBudget = RetryBudget.Clone(),
            CircuitBreaker = CircuitBreaker.Clone(),
            Tls = Tls.Clone(),
            _endpointPolicy = _endpointPolicy,
        };
    }
}
