using System.Diagnostics.CodeAnalysis;
using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>What <see cref="EndpointSlot.TryLease(ServiceEndpoint?, out ServiceEndpoint?, out CircuitPermit, out TimeSpan)"/> got.</summary>
internal enum LeaseOutcome : byte
{
    /// <summary>An endpoint is leased and its breaker gave a permit.</summary>
    Leased,

    /// <summary>No endpoint could be leased (the set kept changing, or the slot is closed).</summary>
    NoEndpoint,

    /// <summary>Every endpoint's breaker refused: the retry time is the soonest of them.</summary>
    CircuitOpen,
}

/// <summary>
/// The endpoints a service uses now (one or many, each with its own pool and breaker): replaced when discovery
/// changes the service (endpoints that left drain and close when their last user leaves), leased through one
/// bounded loop, closed to new leases when the dispatcher is disposed.
/// </summary>
/// <remarks>
/// <para>Lock-free: the set is an immutable array swapped by reference. Accepted race: a lease may read the set just
/// before a replacement and find its endpoint drained; it then re-reads the new set.</para>
/// <para>With one endpoint a lease is what it always was: no randomness, no scan, nothing allocated. With several,
/// the endpoint is chosen by power-of-two-choices (<see cref="Choose"/>): the less loaded of two random endpoints
/// that are not ejected, the one a retry just failed on set aside while another exists.</para>
/// </remarks>
internal sealed class EndpointSlot
{
    /// <summary>How many times a lease is tried before giving up (each failure means the set was replaced or
    /// disposed under the reader).</summary>
    private const int MaxLeaseTries = 32;

    private readonly Func<double> _random;

    private ServiceEndpoint[] _current;

    /// <summary>1 once <see cref="Close"/> was called.</summary>
    private int _closed;

    public EndpointSlot(ServiceEndpoint initial)
        : this([initial], static () => 0.5)
    {
    }

    /// <param name="initial">The first set; not empty, no duplicates. The slot owns the array (never mutated).</param>
    /// <param name="random">Uniform in [0, 1): the balancer's draws.</param>
    public EndpointSlot(ServiceEndpoint[] initial, Func<double> random)
    {
        ArgumentOutOfRangeException.ThrowIfZero(initial.Length);
        _current = initial;
        _random = random;
    }

    /// <summary>The first endpoint of the set: the service's address in logs, telemetry tags and diagnostics.</summary>
    public ServiceEndpoint Current => Volatile.Read(ref _current)[0];

    /// <summary>Every endpoint new work may go to (a snapshot; never mutated).</summary>
    public IReadOnlyList<ServiceEndpoint> All => Volatile.Read(ref _current);

    /// <summary>Makes <paramref name="next"/> the only endpoint and retires the others; false when it already was.</summary>
    public bool Swap(ServiceEndpoint next)
    {
        var set = Volatile.Read(ref _current);
        return (set.Length != 1 || !ReferenceEquals(set[0], next)) && Replace([next]);
    }

    /// <summary>
    /// Makes <paramref name="next"/> the set; every endpoint of the old set not in it is retired (it drains: calls
    /// in flight on it finish, then its pool closes). An endpoint kept across the change keeps its pool and breaker.
    /// </summary>
    /// <returns>False when <paramref name="next"/> is already the set.</returns>
    public bool Replace(ServiceEndpoint[] next)
    {
        ArgumentOutOfRangeException.ThrowIfZero(next.Length);
        var old = Interlocked.Exchange(ref _current, next);
        if (ReferenceEquals(old, next))
        {
            return false;
        }

        foreach (var endpoint in old)
        {
            if (Array.IndexOf(next, endpoint) < 0)
            {
                endpoint.Retire();
            }
        }

        return true;
    }

    /// <summary>Refuses every later lease (the dispatcher is being disposed).</summary>
    public void Close() => Volatile.Write(ref _closed, 1);

    /// <summary>
    /// Fail-fast check before a call is queued: true when no endpoint would admit a call now, with the soonest time
    /// one will. One endpoint: its breaker is open and its break has not ended (what it always was).
    /// </summary>
    public bool AllOpen(out TimeSpan retryAfter)
    {
        var set = Volatile.Read(ref _current);
        var soonest = TimeSpan.MaxValue;
        foreach (var endpoint in set)
        {
            var breaker = endpoint.Breaker;
            if (breaker.State != CircuitState.Open)
            {
                retryAfter = TimeSpan.Zero;
                return false;
            }

            var wait = breaker.RetryAfter;
            if (wait <= TimeSpan.Zero)
            {
                retryAfter = TimeSpan.Zero;
                return false;
            }

            soonest = wait < soonest ? wait : soonest;
        }

        retryAfter = soonest;
        return true;
    }

    /// <summary>
    /// Leases one endpoint of the set, re-reading the set when the endpoint drained between the read and the lease.
    /// Bounded: false after <see cref="MaxLeaseTries"/> tries, or at once when closed. Takes no breaker permit.
    /// </summary>
    public bool TryLease([NotNullWhen(true)] out ServiceEndpoint? endpoint)
    {
        var spinner = default(SpinWait);
        for (var i = 0; i < MaxLeaseTries && Volatile.Read(ref _closed) == 0; i++)
        {
            var set = Volatile.Read(ref _current);
            endpoint = set.Length == 1 ? set[0] : Choose(set, null, _random) ?? set[0];
            if (endpoint.TryAcquire())
            {
                return true;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        endpoint = null;
        return false;
    }

    /// <summary>
    /// Leases an endpoint and takes a permit from its breaker: the one lease loop of a service (attempts, requests
    /// and streams all lease here). <paramref name="avoid"/> (the endpoint a retry just failed on) is chosen only
    /// when no other endpoint admits the call.
    /// </summary>
    /// <returns><see cref="LeaseOutcome.Leased"/> with both held; <see cref="LeaseOutcome.CircuitOpen"/> with the
    /// soonest <paramref name="retryAfter"/> and nothing held; <see cref="LeaseOutcome.NoEndpoint"/> with nothing held.</returns>
    public LeaseOutcome TryLease(ServiceEndpoint? avoid, [NotNullWhen(true)] out ServiceEndpoint? endpoint, out CircuitPermit permit, out TimeSpan retryAfter)
    {
        var spinner = default(SpinWait);
        for (var i = 0; i < MaxLeaseTries && Volatile.Read(ref _closed) == 0; i++)
        {
            var set = Volatile.Read(ref _current);
            if (set.Length == 1)
            {
                // The single-endpoint path: exactly what a service with one endpoint always did.
                endpoint = set[0];
                if (endpoint.TryAcquire())
                {
                    if (endpoint.Breaker.TryAcquire(out permit, out retryAfter))
                    {
                        return LeaseOutcome.Leased;
                    }

                    endpoint.Release();
                    endpoint = null;
                    return LeaseOutcome.CircuitOpen;
                }
            }
            else if (TryLeaseOne(set, avoid, out endpoint, out permit, out retryAfter, out var drained) is var outcome && (outcome == LeaseOutcome.Leased || !drained))
            {
                return outcome;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        endpoint = null;
        permit = default;
        retryAfter = TimeSpan.Zero;
        return LeaseOutcome.NoEndpoint;
    }

    /// <summary>
    /// Power-of-two-choices over <paramref name="set"/>: two distinct random endpoints among those not ejected (and
    /// not <paramref name="avoid"/>, unless it is the only one left), the one with fewer in flight; ties keep the
    /// first draw. Null when every endpoint is ejected. Allocates nothing (two counting scans of a small array).
    /// </summary>
    internal static ServiceEndpoint? Choose(ServiceEndpoint[] set, ServiceEndpoint? avoid, Func<double> random)
    {
        var eligible = CountEligible(set, avoid);
        if (eligible == 0 && avoid is not null)
        {
            avoid = null; // the one that just failed is the only one left: better it than nothing
            eligible = CountEligible(set, null);
        }

        if (eligible == 0)
        {
            return null;
        }

        var first = Draw(random, eligible);
        var a = NthEligible(set, avoid, first);
        if (eligible == 1)
        {
            return a;
        }

        var second = Draw(random, eligible - 1);
        var b = NthEligible(set, avoid, second >= first ? second + 1 : second);
        return b.InFlight < a.InFlight ? b : a;
    }

    /// <summary>
    /// The many-endpoint lease: the balancer's choice first, then (its breaker refused, or every endpoint looked
    /// ejected) every endpoint from a random start, the one to avoid last. <paramref name="drained"/> says an
    /// endpoint could not be leased because the set changed: the caller re-reads the set.
    /// </summary>
    private LeaseOutcome TryLeaseOne(ServiceEndpoint[] set, ServiceEndpoint? avoid, [NotNullWhen(true)] out ServiceEndpoint? endpoint, out CircuitPermit permit, out TimeSpan retryAfter, out bool drained)
    {
        drained = false;
        var soonest = TimeSpan.MaxValue;
        var chosen = Choose(set, avoid, _random);
        if (chosen is not null && TryTake(chosen, out permit, ref soonest, ref drained))
        {
            endpoint = chosen;
            retryAfter = TimeSpan.Zero;
            return LeaseOutcome.Leased;
        }

        var start = Draw(_random, set.Length);
        for (var pass = 0; pass < 2; pass++)
        {
            for (var k = 0; k < set.Length; k++)
            {
                var candidate = set[(start + k) % set.Length];
                if (ReferenceEquals(candidate, chosen) || (ReferenceEquals(candidate, avoid) == (pass == 0)))
                {
                    continue; // the first pass skips the endpoint to avoid, the second tries only it
                }

                if (TryTake(candidate, out permit, ref soonest, ref drained))
                {
                    endpoint = candidate;
                    retryAfter = TimeSpan.Zero;
                    return LeaseOutcome.Leased;
                }
            }

            if (avoid is null)
            {
                break;
            }
        }

        endpoint = null;
        permit = default;
        retryAfter = soonest == TimeSpan.MaxValue ? TimeSpan.Zero : soonest;
        return LeaseOutcome.CircuitOpen;
    }

    /// <summary>Leases <paramref name="endpoint"/> and asks its breaker; on refusal nothing is held and the soonest retry time is kept.</summary>
    private static bool TryTake(ServiceEndpoint endpoint, out CircuitPermit permit, ref TimeSpan soonest, ref bool drained)
    {
        if (!endpoint.TryAcquire())
        {
            drained = true;
            permit = default;
            return false;
        }

        if (endpoint.Breaker.TryAcquire(out permit, out var wait))
        {
            return true;
        }

        endpoint.Release();
        soonest = wait < soonest ? wait : soonest;
        return false;
    }

    private static int CountEligible(ServiceEndpoint[] set, ServiceEndpoint? avoid)
    {
        var count = 0;
        foreach (var endpoint in set)
        {
            if (!ReferenceEquals(endpoint, avoid) && !endpoint.IsEjected)
            {
                count++;
            }
        }

        return count;
    }

    private static ServiceEndpoint NthEligible(ServiceEndpoint[] set, ServiceEndpoint? avoid, int n)
    {
        ServiceEndpoint? last = null;
        foreach (var endpoint in set)
        {
            if (!ReferenceEquals(endpoint, avoid) && !endpoint.IsEjected)
            {
                last = endpoint;
                if (n-- == 0)
                {
                    return endpoint;
                }
            }
        }

        // Accepted race: an endpoint was ejected between the count and this scan; the last eligible one will do.
        return last ?? set[0];
    }

    /// <summary>A uniform index below <paramref name="count"/> (a source returning 1.0 is clamped).</summary>
    private static int Draw(Func<double> random, int count) => Math.Clamp((int)(random() * count), 0, count - 1);
}
