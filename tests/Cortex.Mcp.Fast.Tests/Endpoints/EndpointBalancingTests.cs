using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Tests.Dispatch;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Endpoints;

/// <summary>
/// Power-of-two-choices and ejection over a service's endpoints (<see cref="EndpointSlot"/>), on fake time, with a
/// scripted random source so every draw is known.
/// </summary>
public sealed class EndpointBalancingTests
{
    private static readonly CircuitBreakerOptions TwoFailures = new() { FailureThreshold = 2, BreakDuration = TimeSpan.FromSeconds(10) };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Choose_TwoDraws_TakesTheOneWithFewerInFlight()
    {
        var set = Endpoints(3);
        Hold(set[0], 3);

        // First draw 0.0 → index 0; second draw 0.5 over the two others → index 1 of {1, 2} → endpoint 2.
        var chosen = EndpointSlot.Choose(set, null, Draws(0.0, 0.5));

        Assert.Same(set[2], chosen);
    }

    [Fact]
    public void Choose_SecondDrawMoreLoaded_KeepsTheFirst()
    {
        var set = Endpoints(3);
        Hold(set[2], 1);

        var chosen = EndpointSlot.Choose(set, null, Draws(0.0, 0.5));

        Assert.Same(set[0], chosen);
    }

    [Fact]
    public void Choose_ManyDraws_SpreadsOverEveryEndpoint_AndNeverPicksTheBusiest()
    {
        var set = Endpoints(3);
        Hold(set[1], 5);
        var random = new Random(7);
        var picks = new int[3];
        for (var i = 0; i < 3000; i++)
        {
            picks[Array.IndexOf(set, EndpointSlot.Choose(set, null, random.NextDouble)!)]++;
        }

        // The busiest endpoint loses every comparison it enters; the two idle ones share the traffic.
        Assert.Equal(0, picks[1]);
        Assert.InRange(picks[0], 1200, 1800);
        Assert.InRange(picks[2], 1200, 1800);
    }

    [Fact]
    public void Choose_OpenBreaker_EjectsTheEndpoint_UntilItsBreakEnds()
    {
        var set = Endpoints(3);
        Open(set[1]);
        var random = new Random(11);

        for (var i = 0; i < 500; i++)
        {
            Assert.NotSame(set[1], EndpointSlot.Choose(set, null, random.NextDouble));
        }

        _time.Advance(TwoFailures.BreakDuration);
        var seen = false;
        for (var i = 0; i < 500 && !seen; i++)
        {
            seen = ReferenceEquals(set[1], EndpointSlot.Choose(set, null, random.NextDouble));
        }

        Assert.True(seen, "an endpoint whose break ended must be chosen again, so its probe can run");
    }

    [Fact]
    public void TryLease_EjectedEndpointBack_GetsExactlyOneProbe_AndItsSuccessClosesIt()
    {
        var only = Endpoints(2);
        Open(only[0]);
        Open(only[1]);
        _time.Advance(TwoFailures.BreakDuration);
        var slot = new EndpointSlot(only, Draws(0.0, 0.0, 0.0, 0.0, 0.0, 0.0));

        Assert.Equal(LeaseOutcome.Leased, slot.TryLease(null, out var first, out var probe, out _));
        Assert.True(probe.IsProbe);

        // The first endpoint's probe is in flight: the next lease probes the other one, then nothing is left.
        Assert.Equal(LeaseOutcome.Leased, slot.TryLease(null, out var second, out var otherProbe, out _));
        Assert.NotSame(first, second);
        Assert.True(otherProbe.IsProbe);
        Assert.Equal(LeaseOutcome.CircuitOpen, slot.TryLease(null, out _, out _, out var retryAfter));
        Assert.True(retryAfter > TimeSpan.Zero);

        first!.Breaker.RecordSuccess(in probe);
        first.Release();
        Assert.Equal(CircuitState.Closed, first.Breaker.State);
        Assert.Equal(LeaseOutcome.Leased, slot.TryLease(null, out var third, out var permit, out _));
        Assert.Same(first, third);
        Assert.False(permit.IsProbe);
    }

    [Fact]
    public void TryLease_Avoid_PrefersAnotherEndpoint_ButUsesItWhenItIsTheOnlyOneLeft()
    {
        var set = Endpoints(2);
        var slot = new EndpointSlot(set, new Random(3).NextDouble);
        for (var i = 0; i < 50; i++)
        {
            Assert.Equal(LeaseOutcome.Leased, slot.TryLease(set[0], out var endpoint, out _, out _));
            Assert.Same(set[1], endpoint);
            endpoint!.Release();
        }

        Open(set[1]);
        Assert.Equal(LeaseOutcome.Leased, slot.TryLease(set[0], out var fallback, out _, out _));
        Assert.Same(set[0], fallback);
    }

    [Fact]
    public void AllOpen_EveryBreakerOpen_FailsFastWithTheSoonestRetry()
    {
        var set = Endpoints(3);
        var slot = new EndpointSlot(set, new Random(5).NextDouble);
        Open(set[0]);
        _time.Advance(TimeSpan.FromSeconds(4));
        Open(set[1]);
        Assert.False(slot.AllOpen(out _));

        _time.Advance(TimeSpan.FromSeconds(2));
        Open(set[2]);

        // Breaks end at 10 s, 14 s and 16 s from the start; it is now 6 s: the soonest is 4 s away.
        Assert.True(slot.AllOpen(out var retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(4), retryAfter);
        Assert.Equal(LeaseOutcome.CircuitOpen, slot.TryLease(null, out var none, out _, out var leaseRetry));
        Assert.Null(none);
        Assert.Equal(TimeSpan.FromSeconds(4), leaseRetry);
        Assert.All(set, e => Assert.Equal(1, e.InFlight)); // nothing held after a refusal
    }

    [Fact]
    public void TryLease_OneEndpoint_DrawsNoRandomAndAllocatesNothing()
    {
        var endpoint = Endpoints(1)[0];
        var slot = new EndpointSlot([endpoint], () => throw new InvalidOperationException("one endpoint needs no draw"));

        // Warm up (JIT), then measure the steady state.
        Lease(slot);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            Lease(slot);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1, endpoint.InFlight);

        static void Lease(EndpointSlot slot)
        {
            // No assertion helper inside the measured loop: only the lease itself may be measured.
            if (slot.TryLease(null, out var leased, out var permit, out _) != LeaseOutcome.Leased)
            {
                throw new InvalidOperationException("a lone closed endpoint must be leased");
            }

            leased!.Breaker.RecordSuccess(in permit);
            leased.Release();
        }
    }

    [Fact]
    public void Replace_KeptEndpointsStay_RemovedOnesDrainThenClose()
    {
        var transports = new[] { new ScriptedTransport("http://10.0.0.1:1/"), new ScriptedTransport("http://10.0.0.2:1/"), new ScriptedTransport("http://10.0.0.3:1/") };
        var set = transports.Select(t => new ServiceEndpoint(t, new CircuitBreaker(TwoFailures, _time))).ToArray();
        var slot = new EndpointSlot([set[0], set[1]], new Random(1).NextDouble);
        Assert.True(set[1].TryAcquire()); // a call in flight on the endpoint about to leave

        Assert.True(slot.Replace([set[0], set[2]]));

        Assert.Equal(new[] { set[0], set[2] }, slot.All);
        Assert.False(transports[1].Disposed); // still in use: it drains
        Assert.False(transports[0].Disposed);
        for (var i = 0; i < 100; i++)
        {
            Assert.True(slot.TryLease(out var leased));
            Assert.NotSame(set[1], leased);
            leased.Release();
        }

        set[1].Release(); // the last call on it finishes: now it closes
        Assert.True(transports[1].Disposed); // the scripted transport's disposal is synchronous
        Assert.False(transports[0].Disposed);
        Assert.False(transports[2].Disposed);
    }

    private ServiceEndpoint[] Endpoints(int count) =>
        Enumerable.Range(1, count)
            .Select(i => new ServiceEndpoint(new ScriptedTransport($"http://10.0.0.{i}:1/"), new CircuitBreaker(TwoFailures, _time)))
            .ToArray();

    private static void Hold(ServiceEndpoint endpoint, int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            Assert.True(endpoint.TryAcquire());
        }
    }

    /// <summary>Opens the endpoint's breaker with as many failures as it needs.</summary>
    private static void Open(ServiceEndpoint endpoint)
    {
        for (var i = 0; i < TwoFailures.FailureThreshold; i++)
        {
            Assert.True(endpoint.Breaker.TryAcquire(out var permit, out _));
            endpoint.Breaker.RecordFailure(in permit);
        }

        Assert.Equal(CircuitState.Open, endpoint.Breaker.State);
    }

    /// <summary>A random source returning <paramref name="values"/> in order (then failing the test).</summary>
    private static Func<double> Draws(params double[] values)
    {
        var next = 0;
        return () => next < values.Length ? values[next++] : throw new InvalidOperationException("more draws than scripted");
    }
}
