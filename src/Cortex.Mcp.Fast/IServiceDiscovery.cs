namespace Cortex.Mcp.Fast;

/// <summary>Resolves logical service names to endpoints.</summary>
/// <remarks>Implementations are thread-safe. <see cref="EndpointChanged"/> lets a running client move a service to a
/// new endpoint without a restart: new calls go to the new endpoint while the old pool drains and closes.</remarks>
public interface IServiceDiscovery
{
    /// <summary>Raised after a service's endpoint is registered, changed or removed. The argument is the service name.</summary>
    event Action<string>? EndpointChanged;

    /// <summary>Returns the endpoint of <paramref name="service"/>, or null when it is unknown.</summary>
    ValueTask<Uri?> ResolveAsync(string service, CancellationToken cancellationToken = default);

    /// <summary>Registers or replaces the endpoint of <paramref name="service"/>.</summary>
    ValueTask RegisterAsync(string service, Uri endpoint, CancellationToken cancellationToken = default);

    /// <summary>Removes <paramref name="service"/>; true if it was registered.</summary>
    ValueTask<bool> DeregisterAsync(string service, CancellationToken cancellationToken = default);
}
