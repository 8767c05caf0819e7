namespace Cortex.Mcp.Fast;

/// <summary>An in-memory registry of service endpoints. Thread-safe.</summary>
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
