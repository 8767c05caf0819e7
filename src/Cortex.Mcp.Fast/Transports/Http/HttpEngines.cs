using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>Creates the engine a service chose (<see cref="HttpOptions.Engine"/>), refusing what it cannot do.</summary>
internal static class HttpEngines
{
    /// <summary>Creates the engine of one endpoint.</summary>
    /// <param name="endpoint">The endpoint (absolute http or https).</param>
    /// <param name="options">The service's settings snapshot.</param>
    /// <param name="maxConnections">The most connections the endpoint may open.</param>
    /// <param name="timeProvider">The service's clock.</param>
    /// <exception cref="ArgumentException">The endpoint cannot be used, or the service asks the direct engine for
    /// something it does not do (never a silent fallback to the other engine).</exception>
    public static IHttpEngine Create(Uri endpoint, McpServiceOptions options, int maxConnections, TimeProvider timeProvider)
    {
        var baseAddress = SocketsHttpEngine.NormalizeBaseAddress(endpoint);

        // Also checked when the client is built; here too for a snapshot made without it (never a silent fallback).
        options.Http.Validate();
        if (options.Http.Engine != HttpEngineKind.Direct)
        {
            return new SocketsHttpEngine(baseAddress, options, maxConnections);
        }

        return new DirectHttpEngine(
            baseAddress,
            new DirectHttpEngineSettings
            {
                MaxConnections = Math.Max(1, maxConnections),
                ConnectTimeout = options.Http.ConnectTimeout,
                ConnectionLifetime = options.Http.PooledConnectionLifetime,
                IdleTimeout = options.Http.PooledConnectionIdleTimeout,
                StaticHeaders = options.Http.Headers.Snapshot(),
                EndpointPolicy = options.EndpointPolicy,
            },
            options.Tls,
            timeProvider);
    }
}
