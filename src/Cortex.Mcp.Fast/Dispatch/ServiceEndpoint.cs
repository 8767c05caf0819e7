using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// One resolved endpoint of a service: its transport (and connection pool) and its circuit breaker. When discovery
/// moves the service, a new endpoint replaces this one; this one drains — it is disposed when its last in-flight
/// attempt or stream lets go of it.
/// </summary>
/// <remarks>
/// Lease counting is lock-free: <see cref="_leases"/> counts users plus one for "current" (released by
/// <see cref="Retire"/>); whoever brings it to zero disposes the transport, exactly once.
/// </remarks>
internal sealed class ServiceEndpoint
{
    private int _leases = 1;
    private int _disposed;

    public ServiceEndpoint(IMcpTransport transport, CircuitBreaker breaker)
    {
        Transport = transport;
        Breaker = breaker;
    }

    public IMcpTransport Transport { get; }

    public CircuitBreaker Breaker { get; }

    public Uri Address => Transport.Address;

    /// <summary>
    /// The load balancer's in-flight measure: leases held (attempts, requests, streams and suspended calls on this
    /// endpoint) plus one while it is current. Every endpoint being compared is current, so the extra one cancels out.
    /// </summary>
    public int InFlight => Volatile.Read(ref _leases);

    /// <summary>
    /// Ejected from balancing: its breaker is not closed and admits no call now (open before the break ends, or
    /// half-open with its probe in flight). When the break ends the endpoint is chosen again and its breaker admits
    /// the one half-open probe that decides whether it comes back.
    /// </summary>
    public bool IsEjected => Breaker.State != CircuitState.Closed && Breaker.RetryAfter > TimeSpan.Zero;

    /// <summary>Takes a lease; false when the endpoint has already drained (the caller re-reads the current one).</summary>
    public bool TryAcquire()
    {
        var leases = Volatile.Read(ref _leases);
        while (leases > 0)
        {
            var seen = Interlocked.CompareExchange(ref _leases, leases + 1, leases);
            if (seen == leases)
            {
                return true;
            }

            leases = seen;
        }

        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _leases) == 0)
        {
            DisposeTransport();
        }
    }

    /// <summary>No longer current: drops the "current" lease so the last user disposes the transport.</summary>
    public void Retire() => Release();

    /// <summary>Waits for nothing: closes the pool now (client disposal, after every call was completed).</summary>
    public ValueTask DisposeNowAsync()
    {
        Volatile.Write(ref _leases, 0);
        return Interlocked.Exchange(ref _disposed, 1) == 0 ? Transport.DisposeAsync() : ValueTask.CompletedTask;
    }

    private void DisposeTransport()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // Disposal of a drained transport does not block the releasing worker.
            _ = Transport.DisposeAsync().AsTask();
        }
    }
}
