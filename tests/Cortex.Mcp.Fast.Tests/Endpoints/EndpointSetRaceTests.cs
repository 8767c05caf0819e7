using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Tests.Dispatch;

namespace Cortex.Mcp.Fast.Tests.Endpoints;

/// <summary>
/// Balanced leases racing endpoint-set replacements: no lease is ever handed out on a closed transport, every
/// endpoint that left is closed after its last user (with no lease left), and the ones still current stay open.
/// </summary>
public sealed class EndpointSetRaceTests
{
    [Fact]
    public async Task LeasesRacingReplacements_NeverSeeAClosedPool_AndEveryRetiredPoolCloses()
    {
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var created = new List<(ServiceEndpoint Endpoint, ScriptedTransport Transport)>();
        ServiceEndpoint NewEndpoint()
        {
            var transport = new ScriptedTransport($"http://10.0.{created.Count / 250}.{created.Count % 250 + 1}:1/");
            var endpoint = new ServiceEndpoint(transport, new CircuitBreaker(new CircuitBreakerOptions(), TimeProvider.System));
            created.Add((endpoint, transport));
            return endpoint;
        }

        ServiceEndpoint[] initial = [NewEndpoint(), NewEndpoint(), NewEndpoint()];
        var slot = new EndpointSlot(initial, Random.Shared.NextDouble);
        var stop = 0;
        var leasedOnClosed = 0;
        var leases = 0L;

        var callers = Enumerable.Range(0, 4).Select(caller => Task.Run(() =>
        {
            while (Volatile.Read(ref stop) == 0)
            {
                if (slot.TryLease(null, out var endpoint, out var permit, out _) != LeaseOutcome.Leased)
                {
                    continue;
                }

                if (((ScriptedTransport)endpoint!.Transport).Disposed)
                {
                    Interlocked.Increment(ref leasedOnClosed);
                }

                Interlocked.Increment(ref leases);
                endpoint.Breaker.RecordSuccess(in permit);
                endpoint.Release();
            }
        })).ToArray();

        // The set changes 300 times: one endpoint kept, one replaced, sometimes grown or shrunk.
        var current = initial;
        for (var i = 0; i < 300; i++)
        {
            ServiceEndpoint[] next = i % 3 == 0 ? [current[0], NewEndpoint()] : [current[0], NewEndpoint(), NewEndpoint()];
            Assert.True(slot.Replace(next));
            current = next;
            await Task.Yield();
        }

        Volatile.Write(ref stop, 1);
        await Task.WhenAll(callers).WaitAsync(bound.Token);

        Assert.Equal(0, leasedOnClosed);
        Assert.True(Interlocked.Read(ref leases) > 0);
        foreach (var (endpoint, transport) in created)
        {
            var isCurrent = Array.IndexOf(current, endpoint) >= 0;
            Assert.Equal(!isCurrent, transport.Disposed);
            Assert.Equal(isCurrent ? 1 : 0, endpoint.InFlight);
        }
    }
}
