using Cortex.Mcp.Fast.Hosting.Configuration;
using Microsoft.Extensions.Configuration;

namespace Cortex.Mcp.Fast.Hosting;

/// <summary>
/// How a hosted <see cref="NetworkMcpClient"/> is built: the configuration section it reads and the code that runs
/// after it. Named options: the name is the client's name (<see cref="Microsoft.Extensions.Options.Options.DefaultName"/>
/// for the default client). <see cref="McpClientServiceCollectionExtensions"/> fills them in.
/// </summary>
/// <remarks>
/// <para>Configuration layout, relative to <see cref="Configuration"/> (usually the <c>Mcp</c> section):
/// <c>Defaults:{setting}</c> for every service, <c>Services:{name}:Endpoint</c> and <c>Services:{name}:{setting}</c>
/// per service (a service's own value wins over <c>Defaults</c>), and <c>Health:QueueThreshold</c>. Settings use the
/// groups of <see cref="McpServiceOptions"/>: <c>CallTimeout</c>, <c>Protocol</c>, <c>Queue:WorkerCount</c>,
/// <c>Http:ConnectTimeout</c>, <c>Streams:MaxConcurrent</c>, <c>Retry:MaxRetries</c>,
/// <c>CircuitBreaker:FailureThreshold</c> and so on. Time spans are written <c>hh:mm:ss</c>.</para>
/// <para>Every value is checked when the host starts: an unknown key, a value that does not parse, a value a setter
/// refuses, or a bad combination is a start-up error naming the key. Nothing is dropped silently.</para>
/// <para>The client is built once, when it is first resolved: its services keep these settings for the life of the
/// process (a running service works on its own snapshot). Only <c>Services:{name}:Endpoint</c> is followed when the
/// configuration reloads: the service moves to the new endpoint while the old connections drain. A removed endpoint
/// leaves a running service on its last endpoint, and a service not connected yet is then no longer found. A reload
/// with a bad endpoint is logged and changes nothing.</para>
/// </remarks>
public sealed class McpClientHostingOptions
{
    private double _healthQueueThreshold = 0.8;

    /// <summary>Gets or sets the configuration section the client's settings are read from, or null for none.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public IConfiguration? Configuration { get; set; }

    /// <summary>
    /// Gets the delegates that configure the client after <see cref="Configuration"/> is applied, in order: the place
    /// for settings that are code (bearer token providers, certificates, server request handlers, a discovery).
    /// </summary>
    /// <remarks>A delegate runs each time the options are built (at start-up and whenever they are validated
    /// again), so it should only set options.</remarks>
    public IList<Action<NetworkMcpClientOptions>> ConfigureClient { get; } = new List<Action<NetworkMcpClientOptions>>();

    /// <summary>
    /// Gets or sets the share of a service's queue capacity at or above which its health check reports
    /// <c>Degraded</c>. The configuration key <c>Health:QueueThreshold</c>, when present, wins.
    /// </summary>
    /// <value>The default value is 0.8 (80 % of <see cref="QueueOptions.Capacity"/>). Must be greater than 0 and at
    /// most 1.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not in (0, 1].</exception>
    public double HealthQueueThreshold
    {
        get => _healthQueueThreshold;
        set => _healthQueueThreshold = value > 0 && value <= 1
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "HealthQueueThreshold must be greater than 0 and at most 1.");
    }

    /// <summary>The client's settings as built from this instance (set after every configuration step, before
    /// validation), with any errors found on the way.</summary>
    internal ClientBuild? Build { get; set; }
}
