using System.Diagnostics.CodeAnalysis;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// Which <see cref="ServiceEndpoint"/> a service uses now: swapped when discovery moves the service (the old one
/// drains and closes when its last user leaves), leased through one bounded loop, closed to new leases when the
/// dispatcher is disposed.
/// </summary>
/// <remarks>Lock-free. Accepted race: a lease may read the endpoint just before a swap and find it drained; it then
/// re-reads the new one.</remarks>
internal sealed class EndpointSlot
{
    /// <summary>How many times a lease of the current endpoint is tried before giving up (each failure means the
    /// endpoint was swapped or disposed under the reader).</summary>
    private const int MaxLeaseTries = 32;

    private ServiceEndpoint _current;

    /// <summary>1 once <see cref="Close"/> was called.</summary>
    private int _closed;

    public EndpointSlot(ServiceEndpoint initial) => _current = initial;

    /// <summary>The endpoint new work goes to.</summary>
    public ServiceEndpoint Current => Volatile.Read(ref _current);

    /// <summary>Makes <paramref name="next"/> current and retires the old endpoint; false when it already was current.</summary>
    public bool Swap(ServiceEndpoint next)
    {
        var old = Interlocked.Exchange(ref _current, next);
        if (ReferenceEquals(old, next))
        {
            return false;
        }

        old.Retire();
        return true;
    }

    /// <summary>Refuses every later lease (the dispatcher is being disposed).</summary>
    public void Close() => Volatile.Write(ref _closed, 1);

    /// <summary>
    /// Leases the current endpoint, re-reading it when it drained between the read and the lease (it was swapped).
    /// Bounded: false after <see cref="MaxLeaseTries"/> tries, or at once when closed. The one lease loop of a
    /// service: its attempts, requests and streams all lease here.
    /// </summary>
    public bool TryLease([NotNullWhen(true)] out ServiceEndpoint? endpoint)
    {
        var spinner = default(SpinWait);
        for (var i = 0; i < MaxLeaseTries && Volatile.Read(ref _closed) == 0; i++)
        {
            endpoint = Current;
            if (endpoint.TryAcquire())
            {
                return true;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        endpoint = null;
        return false;
    }
}
