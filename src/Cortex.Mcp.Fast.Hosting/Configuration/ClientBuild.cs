namespace Cortex.Mcp.Fast.Hosting.Configuration;

/// <summary>What <see cref="ClientOptionsBuilder"/> made of a <see cref="McpClientHostingOptions"/>: the client's
/// options, the endpoints taken from configuration, and every error found. Valid only when
/// <see cref="Errors"/> is empty.</summary>
internal sealed class ClientBuild
{
    /// <summary>Gets the options the client is built from.</summary>
    public required NetworkMcpClientOptions Options { get; init; }

    /// <summary>Gets the registry holding the configured endpoints, or null when the <c>configure</c> delegate
    /// replaced <see cref="NetworkMcpClientOptions.Discovery"/> (then configuration holds no endpoint).</summary>
    public required InMemoryServiceDiscovery? ConfiguredDiscovery { get; init; }

    /// <summary>Gets the endpoints from configuration, by service name.</summary>
    public required IReadOnlyDictionary<string, Uri[]> Endpoints { get; init; }

    /// <summary>Gets the share of queue capacity at which a service's health check reports Degraded.</summary>
    public required double QueueThreshold { get; init; }

    /// <summary>Gets the errors, one per bad key or combination, each naming the key.</summary>
    public required IReadOnlyList<string> Errors { get; init; }

    /// <summary>The settings a service runs with (its own entry, else the defaults), as the core picks them.</summary>
    public McpServiceOptions For(string service) =>
        Options.Services.TryGetValue(service, out var options) ? options : Options.DefaultServiceOptions;
}
