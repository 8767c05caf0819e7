using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast;

/// <summary>Settings of a <see cref="NetworkMcpClient"/>: discovery, time, logging and per-service settings.</summary>
public sealed class NetworkMcpClientOptions
{
    /// <summary>Gets or sets the service discovery used to resolve service names.</summary>
    /// <value>The default value is an empty <see cref="InMemoryServiceDiscovery"/>.</value>
    public IServiceDiscovery Discovery { get; set; } = new InMemoryServiceDiscovery();

    /// <summary>Gets or sets the time source of deadlines, backoffs and the circuit breaker.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Gets or sets the random source of backoff jitter: returns a value in [0, 1).</summary>
    /// <value>The default value is <see cref="Random.Shared"/>'s <c>NextDouble</c>.</value>
    public Func<double> RandomSource { get; set; } = Random.Shared.NextDouble;

    /// <summary>Gets or sets the logger factory.</summary>
    /// <value>The default value is <see langword="null"/> (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>Gets or sets the factory of the client's <see cref="Meter"/> (named <see cref="Diagnostics.McpTelemetry.Name"/>),
    /// typically the host's <see cref="IMeterFactory"/> from dependency injection.</summary>
    /// <value>The default value is <see langword="null"/>: the client uses the library's static meter of the same name.</value>
    public IMeterFactory? MeterFactory { get; set; }

    /// <summary>Gets or sets the settings of services that have no entry in <see cref="Services"/>.</summary>
    /// <value>The default value is a new <see cref="McpServiceOptions"/>.</value>
    public McpServiceOptions DefaultServiceOptions { get; set; } = new();

    /// <summary>Gets per-service settings (breaker, retries, queue and the rest), by service name; a service not listed uses <see cref="DefaultServiceOptions"/>.</summary>
    public IDictionary<string, McpServiceOptions> Services { get; } = new Dictionary<string, McpServiceOptions>(StringComparer.Ordinal);

    internal McpServiceOptions For(string service) =>
        Services.TryGetValue(service, out var options) ? options : DefaultServiceOptions;
}
