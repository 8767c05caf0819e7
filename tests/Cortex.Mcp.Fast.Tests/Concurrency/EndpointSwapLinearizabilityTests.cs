using System.Diagnostics.CodeAnalysis;
using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;
using CsCheck;
using Xunit.Abstractions;

namespace Cortex.Mcp.Fast.Tests.Concurrency;

/// <summary>
/// <see cref="EndpointSlot"/> and <see cref="ServiceEndpoint"/>'s lease count while discovery swaps the endpoint
/// under calls in flight: callers lease into slots and release, discovery swaps, disposal closes, in parallel. The
/// law that matters (the seed's pitfall 7): an endpoint is disposed exactly once, only after it stopped being
/// current and its last user let go, and no lease is ever held on a disposed endpoint; no lease leaks.
/// </summary>
public sealed class EndpointSwapLinearizabilityTests(ITestOutputHelper output)
{
    private const long Iterations = 300;
    private const int Slots = 3;

    [Fact]
    public void EndpointSlot_LeaseReleaseSwapClose_Linearizable() =>
        Linearizability.Check(Initial(broken: false), Operations(), Equal, a => a.ToString(), m => m.ToString(), Iterations, output);

    [Fact]
    public void LeaseOnDrainedVariant_LeaseByCheckThenIncrement_IsCaught() =>
        Linearizability.AssertCaught(
            () => Linearizability.Check(Initial(broken: true), Operations(), Equal, a => a.ToString(), m => m.ToString(), Linearizability.CatchIterations, output),
            output);

    private static Gen<(Actual, Model)> Initial(bool broken) => Gen.Const(0).Select(_ => (new Actual(broken), new Model()));

    private static GenOperation<Actual, Model>[] Operations() =>
    [
        Linearizability.Op<Actual, Model, int>(Gen.Int[0, Slots - 1], s => $"Lease({s})", (a, s) => a.Lease(s), (m, s) => m.Lease(s)),
        Linearizability.Op<Actual, Model, int>(Gen.Int[0, Slots - 1], s => $"Release({s})", (a, s) => a.Release(s), (m, s) => m.Release(s)),
        Linearizability.Op<Actual, Model>("Swap", a => a.Swap(), m => m.Swap()),
        Linearizability.Op<Actual, Model>("Close", a => a.Slot.Close(), m => m.Close()),
    ];

    private static bool Equal(Actual actual, Model model) => actual.Summary() == model.Summary();

    /// <summary>One endpoint's facts, as compared (endpoints are matched as a sorted multiset, not by creation order).</summary>
    private static string Describe(bool current, int holders, int leases, int disposals) =>
        $"[{(current ? "current" : "retired")} held={holders} leases={leases} disposed={disposals}]";

    internal sealed class Actual : IRaceWindowHolder
    {
        private readonly bool _broken;
        private readonly ServiceEndpoint?[] _slots = new ServiceEndpoint?[Slots];
        private readonly List<(ServiceEndpoint Endpoint, CountingTransport Transport)> _endpoints = [];
        private readonly Lock _gate = new();
        private readonly Lock[] _slotGates = [new(), new(), new()];
        private int _refused;

        public Actual(bool broken)
        {
            _broken = broken;
            Window = broken ? new RaceWindow() : null;
            Slot = new EndpointSlot(NewEndpoint());
        }

        public EndpointSlot Slot { get; }

        /// <summary>The broken variant's race window (null for the real type).</summary>
        public RaceWindow? Window { get; }

        /// <summary>A call leases the current endpoint into the slot (a slot already holding one gives the new lease straight back).</summary>
        /// <remarks>
        /// A slot stands for one caller, which holds its lease from the moment it gets it and never releases one it
        /// has not got yet. Taking the lease and putting it in the slot are two steps here, so the slot's own gate
        /// keeps a release of the same slot from falling between them (a release that finds the slot still empty
        /// while its lease is already taken is a state no caller can be in). The lease itself still races the other
        /// slots, swaps and closing, which is what this test is about.
        /// </remarks>
        public void Lease(int slot)
        {
            lock (_slotGates[slot])
            {
                if (!(_broken ? TryLeaseByCheckThenIncrement(out var endpoint) : Slot.TryLease(out endpoint)))
                {
                    Interlocked.Increment(ref _refused);
                    return;
                }

                if (Interlocked.CompareExchange(ref _slots[slot], endpoint, null) is not null)
                {
                    endpoint.Release();
                }
            }
        }

        public void Release(int slot)
        {
            lock (_slotGates[slot])
            {
                Interlocked.Exchange(ref _slots[slot], null)?.Release();
            }
        }

        public void Swap() => Slot.Swap(NewEndpoint());

        public string Summary()
        {
            var current = Slot.Current;
            lock (_gate)
            {
                var endpoints = _endpoints
                    .Select(e => Describe(
                        ReferenceEquals(e.Endpoint, current),
                        _slots.Count(s => ReferenceEquals(s, e.Endpoint)),
                        Volatile.Read(ref ServiceEndpointAccess.Leases(e.Endpoint)),
                        e.Transport.Disposals))
                    .Order(StringComparer.Ordinal);
                return $"refused={Volatile.Read(ref _refused)} {string.Concat(endpoints)}";
            }
        }

        public override string ToString() => Summary();

        private ServiceEndpoint NewEndpoint()
        {
            var transport = new CountingTransport();
            var endpoint = new ServiceEndpoint(transport, new CircuitBreaker(new CircuitBreakerOptions(), TimeProvider.System));
            lock (_gate)
            {
                _endpoints.Add((endpoint, transport));
            }

            return endpoint;
        }

        /// <summary>
        /// Broken on purpose: takes a lease when the count "is still positive" by a read and a later increment,
        /// where <see cref="ServiceEndpoint.TryAcquire"/> has one CAS. A swap that drains and disposes the endpoint
        /// in between leaves this caller holding a lease on a disposed transport.
        /// </summary>
        private bool TryLeaseByCheckThenIncrement([NotNullWhen(true)] out ServiceEndpoint? endpoint)
        {
            for (var tries = 0; tries < 32 && Volatile.Read(ref EndpointSlotAccess.Closed(Slot)) == 0; tries++)
            {
                endpoint = Slot.Current;
                ref var leases = ref ServiceEndpointAccess.Leases(endpoint);
                if (Volatile.Read(ref leases) > 0)
                {
                    Window!.Widen();
                    Interlocked.Increment(ref leases);
                    return true;
                }
            }

            endpoint = null;
            return false;
        }
    }

    /// <summary>The sequential specification of leases, retirement and disposal.</summary>
    internal sealed class Model
    {
        private readonly List<Endpoint> _endpoints = [new()];
        private readonly Endpoint?[] _slots = new Endpoint?[Slots];
        private bool _closed;
        private int _refused;

        private Endpoint Current => _endpoints[^1];

        public void Lease(int slot)
        {
            if (_closed)
            {
                _refused++;
            }
            else if (_slots[slot] is null)
            {
                _slots[slot] = Current;
            }
        }

        public void Release(int slot)
        {
            var held = _slots[slot];
            _slots[slot] = null;
            if (held is not null)
            {
                DisposeIfDrained(held);
            }
        }

        public void Swap()
        {
            var old = Current;
            _endpoints.Add(new Endpoint());
            old.Retired = true;
            DisposeIfDrained(old);
        }

        public void Close() => _closed = true;

        public string Summary()
        {
            var endpoints = _endpoints
                .Select(e =>
                {
                    var holders = _slots.Count(s => ReferenceEquals(s, e));
                    return Describe(!e.Retired, holders, e.Disposed ? 0 : holders + (e.Retired ? 0 : 1), e.Disposed ? 1 : 0);
                })
                .Order(StringComparer.Ordinal);
            return $"refused={_refused} {string.Concat(endpoints)}";
        }

        public override string ToString() => Summary();

        private void DisposeIfDrained(Endpoint endpoint)
        {
            if (endpoint.Retired && !_slots.Any(s => ReferenceEquals(s, endpoint)))
            {
                endpoint.Disposed = true;
            }
        }

        private sealed class Endpoint
        {
            public bool Retired { get; set; }

            public bool Disposed { get; set; }
        }
    }

    /// <summary>A transport that only counts its disposals (the pool a drained endpoint closes).</summary>
    private sealed class CountingTransport : IMcpTransport
    {
        private int _disposals;

        public int Disposals => Volatile.Read(ref _disposals);

        public Uri Address { get; } = new("http://127.0.0.1:1/");

        public int OpenConnections => 0;

        public ValueTask DisposeAsync()
        {
            Interlocked.Increment(ref _disposals);
            return ValueTask.CompletedTask;
        }

        public ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken) => throw new NotSupportedException();

        public string? ValidateResourcePath(string path) => throw new NotSupportedException();

        public ValueTask<ToolResult> CallToolAsync(string tool, ReadOnlyMemory<byte> argumentsUtf8, Cortex.Mcp.Fast.Transports.ToolCallMeta meta, IProgress<McpProgress>? progress, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken) => throw new NotSupportedException();

        public ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string uri, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
