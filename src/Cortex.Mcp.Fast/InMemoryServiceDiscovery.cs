using System.Collections.Concurrent;

namespace Cortex.Mcp.Fast;

/// <summary>An in-memory registry of service endpoints: one or many per service. Thread-safe.</summary>
/// <remarks>A service registered with several endpoints has its calls balanced over them by the client (each endpoint
/// its own connection pool and circuit breaker). <see cref="EndpointChanged"/> is raised after every change that
/// alters a service's endpoint list.</remarks>
public sealed class InMemoryServiceDiscovery : IServiceDiscovery
{
    /// <summary>Each service's endpoints, in registration order, no duplicates; never empty (a service with none is removed).</summary>
    private readonly ConcurrentDictionary<string, Uri[]> _endpoints = new(StringComparer.Ordinal);

    /// <summary>Serialises changes (reads are lock-free) so an add or remove never loses a concurrent one.</summary>
    private readonly Lock _gate = new();

    /// <summary>Creates an empty registry.</summary>
    public InMemoryServiceDiscovery()
    {
    }

    /// <summary>Creates a registry holding <paramref name="endpoints"/>; a service named several times gets every endpoint.</summary>
    public InMemoryServiceDiscovery(IEnumerable<KeyValuePair<string, Uri>> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        foreach (var (service, endpoint) in endpoints)
        {
            var valid = Validate(service, endpoint);
            _endpoints[service] = _endpoints.TryGetValue(service, out var existing) ? Add(existing, valid) : [valid];
        }
    }

    /// <inheritdoc />
    public event Action<string>? EndpointChanged;

    /// <summary>Returns the first endpoint of <paramref name="service"/>, or null when it is unknown.</summary>
    public ValueTask<Uri?> ResolveAsync(string service, CancellationToken cancellationToken = default) =>
        new(_endpoints.TryGetValue(service, out var endpoints) ? endpoints[0] : null);

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Uri>> ResolveAllAsync(string service, CancellationToken cancellationToken = default) =>
        new(_endpoints.TryGetValue(service, out var endpoints) ? endpoints : []);

    /// <summary>Makes <paramref name="endpoint"/> the only endpoint of <paramref name="service"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty, or the endpoint is not an absolute http or https URI
    /// without user information.</exception>
    public ValueTask RegisterAsync(string service, Uri endpoint, CancellationToken cancellationToken = default)
    {
        var valid = Validate(service, endpoint);
        return Set(service, [valid]);
    }

    /// <summary>Makes <paramref name="endpoints"/> (at least one; duplicates are kept once) the endpoints of <paramref name="service"/>.</summary>
    /// <exception cref="ArgumentException">The name is empty, the list is empty, or an endpoint is not an absolute
    /// http or https URI without user information.</exception>
    public ValueTask RegisterAsync(string service, IEnumerable<Uri> endpoints, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentNullException.ThrowIfNull(endpoints);
        Uri[] list = [];
        foreach (var endpoint in endpoints)
        {
            list = Add(list, Validate(service, endpoint));
        }

        if (list.Length == 0)
        {
            throw new ArgumentException("A service needs at least one endpoint.", nameof(endpoints));
        }

        return Set(service, list);
    }

    /// <summary>Adds <paramref name="endpoint"/> to the endpoints of <paramref name="service"/> (registering it if new).</summary>
    /// <returns>False when the service already had this endpoint.</returns>
    public ValueTask<bool> AddEndpointAsync(string service, Uri endpoint, CancellationToken cancellationToken = default)
    {
        var valid = Validate(service, endpoint);
        bool changed;
        lock (_gate)
        {
            var existing = _endpoints.TryGetValue(service, out var list) ? list : [];
            var next = Add(existing, valid);
            changed = next.Length != existing.Length;
            _endpoints[service] = next;
        }

        if (changed)
        {
            EndpointChanged?.Invoke(service);
        }

        return new ValueTask<bool>(changed);
    }

    /// <summary>Removes <paramref name="endpoint"/> from <paramref name="service"/>; removing its last endpoint deregisters the service.</summary>
    /// <returns>False when the service did not have this endpoint.</returns>
    public ValueTask<bool> RemoveEndpointAsync(string service, Uri endpoint, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentNullException.ThrowIfNull(endpoint);
        bool changed = false;
        lock (_gate)
        {
            if (_endpoints.TryGetValue(service, out var list) && Array.IndexOf(list, endpoint) is var at and >= 0)
            {
                changed = true;
                if (list.Length == 1)
                {
                    _endpoints.TryRemove(service, out _);
                }
                else
                {
                    _endpoints[service] = [.. list.AsSpan(0, at), .. list.AsSpan(at + 1)];
                }
            }
        }

        if (changed)
        {
            EndpointChanged?.Invoke(service);
        }

        return new ValueTask<bool>(changed);
    }

    /// <summary>Removes <paramref name="service"/> and all its endpoints.</summary>
    public ValueTask<bool> DeregisterAsync(string service, CancellationToken cancellationToken = default)
    {
        bool removed;
        lock (_gate)
        {
            removed = _endpoints.TryRemove(service, out _);
        }

        if (removed)
        {
            EndpointChanged?.Invoke(service);
        }

        return new ValueTask<bool>(removed);
    }

    private ValueTask Set(string service, Uri[] next)
    {
        bool changed;
        lock (_gate)
        {
            changed = !_endpoints.TryGetValue(service, out var old) || !old.AsSpan().SequenceEqual(next);
            _endpoints[service] = next;
        }

        if (changed)
        {
            EndpointChanged?.Invoke(service);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary><paramref name="list"/> with <paramref name="endpoint"/> appended, or <paramref name="list"/> itself when it already holds it.</summary>
    private static Uri[] Add(Uri[] list, Uri endpoint) => Array.IndexOf(list, endpoint) >= 0 ? list : [.. list, endpoint];

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
