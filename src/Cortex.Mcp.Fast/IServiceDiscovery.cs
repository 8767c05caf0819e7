namespace Cortex.Mcp.Fast;

/// <summary>Resolves logical service names to endpoints. Read-only: registration belongs to a registry such as
/// <see cref="InMemoryServiceDiscovery"/>, not to every source of endpoints (DNS, configuration, a platform's discovery).</summary>
/// <remarks>Implementations are thread-safe. <see cref="EndpointChanged"/> lets a running client move a service to a
/// new endpoint without a restart: new calls go to the new endpoint while the old pool drains and closes.</remarks>
public interface IServiceDiscovery
{
    /// <summary>Raised after a service's endpoint is registered, changed or removed. The argument is the service name.</summary>
    event Action<string>? EndpointChanged;

    /// <summary>Returns the endpoint of <paramref name="service"/>, or null when it is unknown.</summary>
    ValueTask<Uri?> ResolveAsync(string service, CancellationToken cancellationToken = default);

    /// <summary>Returns every endpoint of <paramref name="service"/> (a service may run on many), or an empty list
    /// when it is unknown. The default returns the one endpoint <see cref="ResolveAsync"/> gives; a source that knows
    /// several (DNS, a platform's discovery, a configured list) overrides it.</summary>
    async ValueTask<IReadOnlyList<Uri>> ResolveAllAsync(string service, CancellationToken cancellationToken = default)
    {
        var one = await ResolveAsync(service, cancellationToken).ConfigureAwait(false);
        return one is null ? [] : [one];
    }
}
