namespace Cortex.Mcp.Fast.Discovery;

/// <summary>Resolves logical service names to endpoints (the seed's ServiceDiscovery).</summary>
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

/// <summary>An in-memory registry (the seed's SimpleServiceDiscovery). Thread-safe.</summary>
public sealed class InMemoryServiceDiscovery : IServiceDiscovery
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Uri> _endpoints = new(StringComparer.Ordinal);

    /// <summary>Creates an empty registry.</summary>
    public InMemoryServiceDiscovery()
    {
    }

    /// <summary>Creates a registry holding <paramref name="endpoints"/>.</summary>
    public InMemoryServiceDiscovery(IEnumerable<KeyValuePair<string, Uri>> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (var (service, endpoint) in endpoints)
        {
            _endpoints[service] = Validate(service, endpoint);
        }
    }

    /// <inheritdoc />
    public event Action<string>? EndpointChanged;

    /// <inheritdoc />
    public ValueTask<Uri?> ResolveAsync(string service, CancellationToken cancellationToken = default) =>
        new(_endpoints.TryGetValue(service, out var endpoint) ? endpoint : null);

    /// <inheritdoc />
    public ValueTask RegisterAsync(string service, Uri endpoint, CancellationToken cancellationToken = default)
    {
        var valid = Validate(service, endpoint);
        var changed = true;
        _endpoints.AddOrUpdate(service, valid, (_, old) =>
        {
            changed = old != valid;
            return valid;
        });
        if (changed)
        {
            EndpointChanged?.Invoke(service);
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<bool> DeregisterAsync(string service, CancellationToken cancellationToken = default)
    {
        var removed = _endpoints.TryRemove(service, out _);
        if (removed)
        {
            EndpointChanged?.Invoke(service);
        }

        return new ValueTask<bool>(removed);
    }

    private static Uri Validate(string service, Uri endpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentNullException.ThrowIfNull(endpoint);
        if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("An endpoint must be an absolute http or https URI.", nameof(endpoint));
        }

        if (!string.IsNullOrEmpty(endpoint.UserInfo))
        {
            throw new ArgumentException("An endpoint must not carry user information.", nameof(endpoint));
        }

        return endpoint;
    }
}

/// <summary>Discovery does not know the service.</summary>
public sealed class ServiceNotFoundException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    public ServiceNotFoundException(string service, string tool)
        : base(service, tool, $"Service '{service}' is not registered with service discovery.", FailureKind.Other)
    {
        RequestNotSent = true;
    }
}
