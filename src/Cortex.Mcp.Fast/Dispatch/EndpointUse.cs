using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// One guarded use of a service's current endpoint by a request (<see cref="ServiceRequests"/>) or a stream
/// (<see cref="ServiceStreams"/>): a lease, so the endpoint is not disposed under the use even if discovery swaps it,
/// and a breaker permit, whose <see cref="Outcome"/> is recorded when the use ends.
/// </summary>
/// <remarks>
/// A mutable struct that lives in the user's (async) frame, so a use allocates nothing. Set <see cref="Outcome"/> as
/// the use goes and call <see cref="End"/> exactly once, in a <see langword="finally"/>. A queued tool call holds the
/// same two things across a worker's await instead (<c>ServiceDispatcher.TryBeginAttempt</c>), because a call may be
/// suspended with them.
/// </remarks>
internal struct EndpointUse
{
    /// <summary>The breaker permit the use runs under.</summary>
    private readonly CircuitPermit _permit;

    private EndpointUse(ServiceEndpoint endpoint, in CircuitPermit permit)
    {
        Endpoint = endpoint;
        _permit = permit;
    }

    /// <summary>The leased endpoint.</summary>
    public ServiceEndpoint Endpoint { get; }

    /// <summary>The leased endpoint's transport.</summary>
    public readonly IMcpTransport Transport => Endpoint.Transport;

    /// <summary>What <see cref="End"/> tells the breaker; <see cref="BreakerOutcome.Ignored"/> until the use says otherwise.</summary>
    public BreakerOutcome Outcome { get; set; }

    /// <summary>
    /// Leases one of the dispatcher's endpoints (balanced when there are several) with a permit from its breaker.
    /// </summary>
    /// <exception cref="ServiceCallException">No endpoint could be leased (<see cref="ServiceDispatcher.LeaseRefused"/>),
    /// or the circuit is open (<see cref="CircuitOpenException"/>, nothing held).</exception>
    public static EndpointUse Begin(ServiceDispatcher dispatcher, string operation)
    {
        switch (dispatcher.TryLeaseEndpoint(null, out var endpoint, out var permit, out var retryAfter))
        {
            case LeaseOutcome.Leased:
                break;
            case LeaseOutcome.CircuitOpen:
                throw ErrorFactory.CircuitOpen(dispatcher.ServiceName, operation, retryAfter);
            default:
                throw dispatcher.LeaseRefused(operation);
        }

        return new EndpointUse(endpoint!, in permit);
    }

    /// <summary>Records <see cref="Outcome"/> with the breaker, then releases the lease.</summary>
    public readonly void End()
    {
        try
        {
            Endpoint.Breaker.Record(in _permit, Outcome);
        }
        finally
        {
            Endpoint.Release();
        }
    }
}
