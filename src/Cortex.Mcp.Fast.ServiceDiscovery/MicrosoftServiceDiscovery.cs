using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.ServiceDiscovery;

namespace Cortex.Mcp.Fast.ServiceDiscovery;

/// <summary>
/// An <see cref="IServiceDiscovery"/> over Microsoft.Extensions.ServiceDiscovery's
/// <see cref="ServiceEndpointResolver"/> (its configuration provider, <c>Services:{name}:https:0 = …</c>, or any
/// provider registered with it), with Aspire's <c>https+http://</c> scheme understood and every endpoint returned.
/// </summary>
/// <remarks>
/// <para>An MCP service maps to an address (<see cref="MicrosoftServiceDiscoveryOptions.Addresses"/>, else
/// <c>https+http://{service}</c>); the address without its path is the resolver's lookup, and its path is appended
/// to every endpoint. A <see cref="UriEndPoint"/> keeps its scheme, and only the most preferred scheme present is
/// used (https endpoints when there are any, else http); a host and port (<see cref="System.Net.DnsEndPoint"/>,
/// <see cref="System.Net.IPEndPoint"/>) takes the address's first scheme. No endpoint means an unknown service
/// (<see cref="ResolveAsync"/> returns null).</para>
/// <para>A service is watched from its first answer with endpoints on (an unknown service is asked again on every
/// call, and costs nothing between calls): when the resolver's change token fires (a configuration
/// reload, for the configuration provider) it is resolved again, and <see cref="EndpointChanged"/> is raised only
/// when its endpoints differ. A source without change callbacks is polled every
/// <see cref="MicrosoftServiceDiscoveryOptions.RefreshPeriod"/>. A failed re-resolution keeps the last endpoints
/// (logged) and is retried after that period. Thread-safe.</para>
/// </remarks>
public sealed class MicrosoftServiceDiscovery : IServiceDiscovery, IAsyncDisposable, IDisposable
{
    private readonly ServiceEndpointResolver _resolver;
    private readonly Dictionary<string, ServiceAddress> _addresses = new(StringComparer.Ordinal);
    private readonly string _defaultScheme;
    private readonly EndpointWatchList _watches;

    /// <summary>Creates the adapter over <paramref name="resolver"/> (from the container, after
    /// <c>services.AddServiceDiscoveryCore()</c> and a provider such as
    /// <c>AddConfigurationServiceEndpointProvider()</c>). The resolver stays the container's.</summary>
    /// <param name="resolver">The resolver.</param>
    /// <param name="options">The service addresses; null for the defaults. Read once, here.</param>
    /// <param name="timeProvider">The clock of the polling timers; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger; null for none.</param>
    /// <exception cref="ArgumentNullException"><paramref name="resolver"/> is null.</exception>
    /// <exception cref="ArgumentException">An address in <see cref="MicrosoftServiceDiscoveryOptions.Addresses"/> is
    /// not valid (the message names the service).</exception>
    public MicrosoftServiceDiscovery(ServiceEndpointResolver resolver, MicrosoftServiceDiscoveryOptions? options = null, TimeProvider? timeProvider = null, ILogger<MicrosoftServiceDiscovery>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        options ??= new MicrosoftServiceDiscoveryOptions();
        _resolver = resolver;
        _defaultScheme = options.DefaultScheme;
        foreach (var (service, address) in options.Addresses)
        {
            ArgumentException.ThrowIfNullOrEmpty(service, nameof(options));
            _addresses[service] = ServiceAddress.Parse(service, address ?? string.Empty);
        }

        _watches = new EndpointWatchList(LookupAsync, service => EndpointChanged?.Invoke(service), options.RefreshPeriod,
            timeProvider ?? TimeProvider.System, (ILogger?)logger ?? NullLogger.Instance);
    }

    /// <inheritdoc />
    public event Action<string>? EndpointChanged;

    /// <summary>Raised after every re-resolution (a test seam).</summary>
    internal event Action<string>? RefreshCompleted
    {
        add => _watches.RefreshCompleted += value;
        remove => _watches.RefreshCompleted -= value;
    }

    /// <summary>Returns the first endpoint of <paramref name="service"/>, or null when it has none.</summary>
    /// <exception cref="ArgumentException">The service name does not make a valid address.</exception>
    /// <exception cref="InvalidOperationException">The resolver failed (for example, no provider is registered).</exception>
    /// <exception cref="ObjectDisposedException">The adapter was disposed.</exception>
    public async ValueTask<Uri?> ResolveAsync(string service, CancellationToken cancellationToken = default)
    {
        var all = await ResolveAllAsync(service, cancellationToken).ConfigureAwait(false);
        return all.Count == 0 ? null : all[0];
    }

    /// <summary>Returns every endpoint of <paramref name="service"/> in the resolver's order, or an empty list when
    /// it has none. After the first call the answer comes from the watch (no resolver call) until it changes.</summary>
    /// <exception cref="ArgumentException">The service name does not make a valid address.</exception>
    /// <exception cref="InvalidOperationException">The resolver failed (for example, no provider is registered).</exception>
    /// <exception cref="ObjectDisposedException">The adapter was disposed.</exception>
    public ValueTask<IReadOnlyList<Uri>> ResolveAllAsync(string service, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        return _watches.GetAsync(service, cancellationToken);
    }

    /// <summary>Stops watching; the resolver is left to its owner.</summary>
    public ValueTask DisposeAsync() => _watches.DisposeAsync();

    /// <summary>Stops watching (synchronously: nothing here waits); the resolver is left to its owner.</summary>
    public void Dispose() => _watches.Dispose();

    private async Task<Resolution> LookupAsync(string service, CancellationToken cancellationToken)
    {
        var address = _addresses.TryGetValue(service, out var configured)
            ? configured
            : ServiceAddress.Parse(service, $"{_defaultScheme}://{service}");
        var source = await _resolver.GetEndpointsAsync(address.Lookup, cancellationToken).ConfigureAwait(false);
        return new Resolution(address.Map(source.Endpoints), TimeSpan.Zero, source.ChangeToken);
    }
}
