namespace Cortex.Mcp.Fast;

/// <summary>The HTTP connection pool of one service, its limits and its credentials.</summary>
/// <remarks>Configuration keys: <c>Http:ConnectTimeout</c>, <c>Http:PooledConnectionLifetime</c>,
/// <c>Http:MinConnections</c>, <c>Http:MaxResponseBytes</c>, <c>Http:Engine</c>.</remarks>
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

    internal HttpOptions Clone() => (HttpOptions)MemberwiseClone();
}
