using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Endpoints;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast;

/// <summary>
/// A service's endpoints: every endpoint discovery resolves gets its own transport (connection pool) and circuit
/// breaker; an endpoint change keeps the endpoints that stayed, adds pools for new ones and drains the ones that left.
/// </summary>
public sealed partial class NetworkMcpClient
{
    /// <summary>Serialises the synchronous half of endpoint changes (diff and swap), so two change events cannot
    /// build two pools for the same new endpoint. Resolution itself runs outside it.</summary>
    private readonly Lock _endpointChanges = new();

    /// <summary>The running dispatcher of <paramref name="service"/>, or null. Intended for testing.</summary>
    internal ServiceDispatcher? ServiceOf(string service) => _services.TryGetValue(service, out var dispatcher) ? dispatcher : null;

    private async Task<ServiceDispatcher> CreateServiceAsync(string service)
    {
        var addresses = await ResolveAllAsync(service).ConfigureAwait(false);
        if (addresses.Count == 0)
        {
            throw ErrorFactory.ServiceNotFound(service, string.Empty);
        }

        var options = _options.For(service).Snapshot(); // a running service never sees later changes
        var endpoints = CreateEndpoints(service, addresses, options, []);
        var dispatcher = new ServiceDispatcher(service, options, endpoints, _options.TimeProvider, _options.RandomSource, _logger)
        {
            Telemetry = _telemetry.ForService(service),
        };
        _services[service] = dispatcher;
        if (Volatile.Read(ref _disposed) != 0)
        {
            await dispatcher.DisposeAsync().ConfigureAwait(false);
            throw ErrorFactory.Disposed(service, string.Empty);
        }

        return dispatcher;
    }

    /// <summary>Asks discovery for every endpoint of the service; a discovery that throws is reported typed (nothing was sent).</summary>
    private async Task<IReadOnlyList<Uri>> ResolveAllAsync(string service)
    {
        try
        {
            return await _options.Discovery.ResolveAllAsync(service).ConfigureAwait(false) ?? [];
        }
        catch (ServiceCallException)
        {
            throw; // already ours (for example ServiceNotFoundException from an adapter)
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw ErrorFactory.DiscoveryFailed(service, string.Empty, $"discovery threw {ex.GetType().Name}.", ex);
        }
    }

    /// <summary>
    /// The endpoints for <paramref name="addresses"/>, in discovery's order without duplicates: an endpoint of
    /// <paramref name="current"/> with the same address is kept (its pool and breaker carry over), others are created.
    /// An address that cannot be used or that the endpoint policy refuses is skipped and logged; when none is left,
    /// the first refusal is thrown (typed), and nothing created here is left open.
    /// </summary>
    private ServiceEndpoint[] CreateEndpoints(string service, IReadOnlyList<Uri> addresses, McpServiceOptions options, IReadOnlyList<ServiceEndpoint> current)
    {
        var endpoints = new List<ServiceEndpoint>(addresses.Count);
        ServiceCallException? firstRefusal = null;
        foreach (var address in addresses)
        {
            if (CheckEndpoint(address) is { } unusable)
            {
                Refused(ErrorFactory.DiscoveryFailed(service, string.Empty, unusable, null));
                continue;
            }

            if (EndpointPolicyCheck.Check(address, options.EndpointPolicy) is { } refused)
            {
                Refused(ErrorFactory.EndpointRefused(service, string.Empty, refused));
                continue;
            }

            var normalised = Normalise(address);
            if (endpoints.Exists(e => e.Address == normalised))
            {
                continue;
            }

            var kept = FindByAddress(current, normalised);
            if (kept is not null)
            {
                endpoints.Add(kept);
                continue;
            }

            try
            {
                endpoints.Add(CreateEndpoint(service, address, options));
            }
            catch (ServiceCallException ex)
            {
                Refused(ex);
            }
        }

        if (endpoints.Count == 0)
        {
            throw firstRefusal ?? ErrorFactory.ServiceNotFound(service, string.Empty);
        }

        return [.. endpoints];

        void Refused(ServiceCallException error)
        {
            firstRefusal ??= error;
            EndpointLog.EndpointSkipped(_logger, service, error.Message);
        }
    }

    /// <summary>One endpoint: its transport and its breaker. The address was checked by the caller.</summary>
    private ServiceEndpoint CreateEndpoint(string service, Uri address, McpServiceOptions options)
    {
        IMcpTransport transport;
        try
        {
            transport = TransportFactory.Create(service, address, options, _options.TimeProvider, NotificationHandlersOf(service));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or UriFormatException)
        {
            throw ErrorFactory.DiscoveryFailed(service, string.Empty, $"the endpoint cannot be used ({ex.GetType().Name}).", ex);
        }

        var breaker = new CircuitBreaker(options.CircuitBreaker, _options.TimeProvider, _telemetry.BreakerTransitionRecorder(_logger, service));
        return new ServiceEndpoint(transport, breaker);
    }

    private static ServiceEndpoint? FindByAddress(IReadOnlyList<ServiceEndpoint> endpoints, Uri address)
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Address == address)
            {
                return endpoint;
            }
        }

        return null;
    }

    /// <summary>The address as a transport holds it (a trailing slash), so a kept endpoint is recognised.</summary>
    private static Uri Normalise(Uri address) => address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");

    private void OnEndpointChanged(string service)
    {
        if (Volatile.Read(ref _disposed) != 0 || !_services.TryGetValue(service, out var dispatcher))
        {
            return;
        }

        _ = MoveServiceAsync(service, dispatcher);
    }

    /// <summary>
    /// Follows an endpoint change from discovery: resolves every endpoint again, keeps those that stayed (pool and
    /// breaker), adds new ones and drains those that left (calls in flight on them finish, then their pools close).
    /// Never throws: a failed resolution or a list with no usable endpoint is logged and the service keeps its current
    /// endpoints (a later change event tries again); a service deregistered entirely keeps serving from its last ones.
    /// </summary>
    internal async Task MoveServiceAsync(string service, ServiceDispatcher dispatcher)
    {
        try
        {
            var addresses = await ResolveAllAsync(service).ConfigureAwait(false);
            if (addresses.Count == 0 || Volatile.Read(ref _disposed) != 0)
            {
                return; // deregistered: keep serving from the last known endpoints until new ones appear
            }

            lock (_endpointChanges)
            {
                var current = dispatcher.Endpoints;
                var next = CreateEndpoints(service, addresses, dispatcher.Options, current);
                if (next.Length == current.Count && next.AsSpan().SequenceEqual(current as ServiceEndpoint[] ?? [.. current]))
                {
                    return;
                }

                var added = 0;
                foreach (var endpoint in next)
                {
                    added += FindByAddress(current, endpoint.Address) is null ? 1 : 0;
                }

                dispatcher.ReplaceEndpoints(next);
                EndpointLog.EndpointsChanged(_logger, service, next.Length, added, current.Count - (next.Length - added));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.EndpointChangeFailed(_logger, service, ex);
        }
    }
}
