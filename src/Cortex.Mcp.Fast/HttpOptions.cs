using System.Net;

namespace Cortex.Mcp.Fast;

/// <summary>The HTTP connection pool of one service, its limits, its credentials and its request pipeline.</summary>
/// <remarks>Configuration keys: <c>Http:ConnectTimeout</c>, <c>Http:PooledConnectionLifetime</c>,
/// <c>Http:PooledConnectionIdleTimeout</c>, <c>Http:MinConnections</c>, <c>Http:MaxResponseBytes</c>,
/// <c>Http:Engine</c>, <c>Http:Version</c>, <c>Http:Headers:{name}</c> and <c>Http:Proxy:{Address|UserName|Password|BypassList|BypassOnLocal}</c>.
/// <see cref="MessageHandlers"/> and <see cref="BearerTokenProvider"/> are code.</remarks>
public sealed class HttpOptions
{
    /// <summary>Created by <see cref="McpServiceOptions"/>, which owns one of each group; set its properties.</summary>
    internal HttpOptions()
    {
    }

    private int _minConnections;
    private TimeSpan _connectTimeout = TimeSpan.FromSeconds(10);
    private TimeSpan _pooledConnectionLifetime = TimeSpan.FromMinutes(5);
    private int _maxResponseBytes = 16 * 1024 * 1024;
    private HttpEngineKind _engine;
    private TimeSpan _pooledConnectionIdleTimeout = TimeSpan.FromSeconds(60);
    private HttpProtocolVersion _version;

    /// <summary>Gets or sets the TCP (and TLS) connect timeout of the connection pool.</summary>
    /// <value>The default value is 10 seconds. Must be positive.</value>
    public TimeSpan ConnectTimeout
    {
        get => _connectTimeout;
        set => _connectTimeout = OptionRules.Positive(value, nameof(ConnectTimeout));
    }

    /// <summary>Gets or sets how long a pooled connection lives before it is replaced (so DNS changes are seen).</summary>
    /// <value>The default value is 5 minutes. Must be positive.</value>
    public TimeSpan PooledConnectionLifetime
    {
        get => _pooledConnectionLifetime;
        set => _pooledConnectionLifetime = OptionRules.Positive(value, nameof(PooledConnectionLifetime));
    }

    /// <summary>Gets or sets how many connections <see cref="NetworkMcpClient.ConnectAsync"/> opens ahead of use.</summary>
    /// <value>The default value is 0. Must not exceed <see cref="QueueOptions.WorkerCount"/> +
    /// <see cref="StreamOptions.MaxConcurrent"/>.</value>
    public int MinConnections
    {
        get => _minConnections;
        set => _minConnections = OptionRules.InRange(value, 0, 2048, nameof(MinConnections), paramName: nameof(value));
    }

    /// <summary>Gets or sets the largest response body accepted; larger bodies fail with <see cref="ServiceProtocolException"/>.</summary>
    /// <value>The default value is 16 MiB. Must be between 1 KiB and 1 GiB.</value>
    public int MaxResponseBytes
    {
        get => _maxResponseBytes;
        set => _maxResponseBytes = OptionRules.InRange(value, 1024, 1 << 30, nameof(MaxResponseBytes), paramName: nameof(value));
    }

    /// <summary>Gets or sets the provider of bearer tokens sent as <c>Authorization: Bearer</c>, or null for none.</summary>
    /// <value>The default value is <see langword="null"/>. Tokens never appear in messages, logs or telemetry.</value>
    public BearerTokenProvider? BearerTokenProvider { get; set; }

    /// <summary>Gets or sets the HTTP engine of the service's endpoints.</summary>
    /// <value>The default value is <see cref="HttpEngineKind.SocketsHttpHandler"/>.</value>
    public HttpEngineKind Engine
    {
        get => _engine;
        set => _engine = Enum.IsDefined(value) ? value : throw OptionRules.OutOfRange(nameof(Engine), value, "Engine must be SocketsHttpHandler or Direct.");
    }

    /// <summary>Gets or sets how long a pooled connection may stay idle before it is closed (both engines).</summary>
    /// <value>The default value is 60 seconds. Must be positive.</value>
    public TimeSpan PooledConnectionIdleTimeout
    {
        get => _pooledConnectionIdleTimeout;
        set => _pooledConnectionIdleTimeout = OptionRules.Positive(value, nameof(PooledConnectionIdleTimeout));
    }

    /// <summary>
    /// Gets the headers sent with every request to the service (API keys and the like), on both engines; the direct
    /// engine encodes them once per target. Names and values are checked when added (see <see cref="RequestHeaders"/>).
    /// </summary>
    /// <value>The default value is empty.</value>
    public RequestHeaders Headers { get; private set; } = new();

    /// <summary>
    /// Gets the factories of your own <see cref="DelegatingHandler"/>s, outermost first, layered over the library's
    /// primary <see cref="SocketsHttpHandler"/> (which keeps redirects and cookies off, its timeouts and its TLS
    /// settings). Each endpoint of the service calls every factory once, when it is created, and disposes the
    /// handlers with it; a factory must return a new handler whose <see cref="DelegatingHandler.InnerHandler"/> is
    /// not set. A handler sees every request, including the stream GETs and session DELETEs of MCP.
    /// </summary>
    /// <value>The default value is empty. The direct engine refuses a service that has any.</value>
    public IList<Func<DelegatingHandler>> MessageHandlers { get; private set; } = new List<Func<DelegatingHandler>>();

    /// <summary>
    /// Gets or sets the HTTP proxy of the service's requests, for example
    /// <c>new WebProxy("http://proxy:3128") { Credentials = new NetworkCredential(user, password), BypassList = […] }</c>,
    /// or null for none (the environment's proxy settings are never used).
    /// </summary>
    /// <value>The default value is <see langword="null"/>. The direct engine refuses a service that has one.</value>
    public IWebProxy? Proxy { get; set; }

    /// <summary>Gets or sets the HTTP version of requests.</summary>
    /// <value>The default value is <see cref="HttpProtocolVersion.Http11"/>. HTTP/2 needs the default engine.</value>
    public HttpProtocolVersion Version
    {
        get => _version;
        set => _version = Enum.IsDefined(value) ? value : throw OptionRules.OutOfRange(nameof(Version), value, "Version must be Http11, Http2 or Http2OrHttp11.");
    }

    /// <summary>
    /// Checks the combinations of this group: what the direct engine cannot do (handlers, a proxy, HTTP/2 — never a
    /// silent fallback to the other engine), a static <c>Authorization</c> header next to a bearer token provider,
    /// and a proxy without an address.
    /// </summary>
    /// <param name="service">The service's name for the message, or null.</param>
    /// <exception cref="ArgumentException">A combination is refused; the message names the options (and the service).</exception>
    internal void Validate(string? service = null)
    {
        var who = service is null ? string.Empty : $"Service '{service}': ";
        if (_engine == HttpEngineKind.Direct)
        {
            if (MessageHandlers.Count > 0)
            {
                throw new ArgumentException(who + "Http.MessageHandlers needs the SocketsHttpHandler engine: the direct engine (Http.Engine = Direct) has no handler pipeline.");
            }

            if (Proxy is not null)
            {
                throw new ArgumentException(who + "Http.Proxy needs the SocketsHttpHandler engine: the direct engine (Http.Engine = Direct) does not speak to proxies.");
            }

            if (_version != HttpProtocolVersion.Http11)
            {
                throw new ArgumentException(who + $"Http.Version = {_version} needs the SocketsHttpHandler engine: the direct engine (Http.Engine = Direct) speaks HTTP/1.1 only.");
            }
        }

        if (BearerTokenProvider is not null && Headers.Contains("Authorization"))
        {
            throw new ArgumentException(who + "Http.Headers must not set Authorization when Http.BearerTokenProvider is set: the provider owns that header.");
        }

        if (Proxy is WebProxy { Address: null })
        {
            throw new ArgumentException(who + "Http.Proxy has no address (set WebProxy.Address, or Http:Proxy:Address in configuration).");
        }

        foreach (var factory in MessageHandlers)
        {
            if (factory is null)
            {
                throw new ArgumentException(who + "Http.MessageHandlers must not contain null.");
            }
        }
    }

    internal HttpOptions Clone()
    {
        var copy = (HttpOptions)MemberwiseClone();
        copy.Headers = Headers.Clone();
        copy.MessageHandlers = new List<Func<DelegatingHandler>>(MessageHandlers);
        return copy;
    }
}
