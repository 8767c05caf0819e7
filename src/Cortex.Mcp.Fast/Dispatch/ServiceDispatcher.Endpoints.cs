using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using System.Diagnostics.CodeAnalysis;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>The service's endpoints: moving and replacing them, the breaker state over them, leasing one for an attempt.</summary>
internal sealed partial class ServiceDispatcher
{
    /// <summary>Makes <paramref name="next"/> current; the old endpoint drains and closes when its last user leaves.</summary>
    public void SwapEndpoint(ServiceEndpoint next)
    {
        if (_endpoints.Swap(next))
        {
            _shedder?.NoteCold();
            Log.EndpointChanged(_logger, ServiceName, next.Address);
        }
    }

    /// <summary>Makes <paramref name="next"/> the service's endpoints; those that left drain and close when their
    /// last user leaves, those kept keep their pools and breakers.</summary>
    public void ReplaceEndpoints(ServiceEndpoint[] next)
    {
        if (_endpoints.Replace(next))
        {
            // New endpoints open their first connections under the calls waiting for them, as a cold start does.
            _shedder?.NoteCold();
            Log.EndpointChanged(_logger, ServiceName, next[0].Address);
        }

        if (IsDisposed)
        {
            // Accepted race: a change that lands after disposal closed the set it saw; close these too (idempotent).
            foreach (var endpoint in next)
            {
                _ = endpoint.DisposeNowAsync().AsTask();
            }
        }
    }

    /// <summary>
    /// The service's breaker state over its endpoints: <see cref="CircuitState.Closed"/> when every endpoint's is,
    /// <see cref="CircuitState.Open"/> only when every endpoint's is open, <see cref="CircuitState.HalfOpen"/> otherwise
    /// (some endpoints ejected or probing: the service works, degraded). One endpoint: its own state.
    /// </summary>
    public CircuitState BreakerState
    {
        get
        {
            var endpoints = _endpoints.All;
            if (endpoints.Count == 1)
            {
                return endpoints[0].Breaker.State;
            }

            int closed = 0, open = 0;
            foreach (var endpoint in endpoints)
            {
                switch (endpoint.Breaker.State)
                {
                    case CircuitState.Closed: closed++; break;
                    case CircuitState.Open: open++; break;
                }
            }

            return closed == endpoints.Count ? CircuitState.Closed
                : open == endpoints.Count ? CircuitState.Open
                : CircuitState.HalfOpen;
        }
    }

    /// <summary>Leases an endpoint (balanced when there are several) and a permit from its breaker; see
    /// <see cref="EndpointSlot.TryLease(ServiceEndpoint?, out ServiceEndpoint?, out CircuitPermit, out TimeSpan)"/>.</summary>
    internal LeaseOutcome TryLeaseEndpoint(ServiceEndpoint? avoid, [NotNullWhen(true)] out ServiceEndpoint? endpoint, out CircuitPermit permit, out TimeSpan retryAfter) =>
        _endpoints.TryLease(avoid, out endpoint, out permit, out retryAfter);

    /// <summary>Why <see cref="TryLeaseEndpoint"/> failed, as the caller's exception.</summary>
    internal ServiceCallException LeaseRefused(string operation, int attempts = 0) =>
        IsDisposed
            ? ErrorFactory.Disposed(ServiceName, operation, attempts)
            : ErrorFactory.EndpointUnavailable(ServiceName, operation, attempts);
}
