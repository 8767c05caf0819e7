using System.Text.Json;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Endpoints;

/// <summary>
/// Many endpoints per service over real Kestrel services on 127.0.0.1: balancing, ejection, draining and the
/// all-down fail-fast. Counts are taken server-side; nothing asserts on wall-clock time.
/// </summary>
public abstract class FleetTests(HttpEngineKind engine)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    [Fact]
    public async Task ThreeEndpoints_OneKilledMidLoad_NoCallFails()
    {
        using var timeout = new CancellationTokenSource(Bound);
        await using var fleet = await Fleet.StartAsync(3);
        await using var client = fleet.Client(engine);
        const int Total = 600;
        var issued = 0;
        var completed = 0;
        var failures = new List<Exception>();
        var killAt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task CallerAsync()
        {
            while (Interlocked.Increment(ref issued) <= Total)
            {
                try
                {
                    using var result = await client.CallToolAsync("svc", "echo", Empty, cancellationToken: timeout.Token);
                }
                catch (ServiceCallException ex)
                {
                    lock (failures)
                    {
                        failures.Add(ex);
                    }
                }

                if (Interlocked.Increment(ref completed) == Total / 4)
                {
                    killAt.TrySetResult();
                }
            }
        }

        var callers = Enumerable.Range(0, 16).Select(_ => Task.Run(CallerAsync)).ToArray();
        await killAt.Task.WaitAsync(timeout.Token);
        var beforeKill = fleet.Services[1].Counters.TotalToolRequests;
        await fleet.Services[1].DisposeAsync(); // killed mid-load: its connections are aborted, its port refuses
        await Task.WhenAll(callers).WaitAsync(timeout.Token);

        Assert.Empty(failures);
        Assert.Equal(Total, Volatile.Read(ref completed));
        Assert.True(beforeKill > 0, "the killed endpoint took a share of the load before it died");
        Assert.True(fleet.Services[0].Counters.TotalToolRequests > Total / 4, "the survivors carried the rest");
        Assert.True(fleet.Services[2].Counters.TotalToolRequests > Total / 4, "the survivors carried the rest");
    }

    [Fact]
    public async Task SlowEndpoint_GetsMeasurablyFewerCalls()
    {
        using var timeout = new CancellationTokenSource(Bound);
        await using var fleet = await Fleet.StartAsync(3);
        fleet.Services[1].Faults.ToolLatency = TimeSpan.FromMilliseconds(50);
        await using var client = fleet.Client(engine);
        const int Total = 600;
        var issued = 0;

        async Task CallerAsync()
        {
            while (Interlocked.Increment(ref issued) <= Total)
            {
                using var result = await client.CallToolAsync("svc", "echo", Empty, cancellationToken: timeout.Token);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(CallerAsync))).WaitAsync(timeout.Token);

        var fast1 = fleet.Services[0].Counters.TotalToolRequests;
        var slow = fleet.Services[1].Counters.TotalToolRequests;
        var fast2 = fleet.Services[2].Counters.TotalToolRequests;
        Assert.Equal(Total, fast1 + slow + fast2);

        // Round robin would give each a third (200). Power-of-two-choices on in-flight counts sends the slow one
        // far less: it loses every comparison while it holds a call. Generous margin: under half of each fast one.
        Assert.True(slow * 2 < fast1 && slow * 2 < fast2, $"slow {slow}, fast {fast1} and {fast2}");
        Assert.True(slow > 0, "the slow endpoint is still used (it is healthy, only slow)");
    }

    [Fact]
    public async Task EndpointRemovedMidLoad_CallsInFlightOnItComplete_ThenItsPoolCloses()
    {
        using var timeout = new CancellationTokenSource(Bound);
        await using var fleet = await Fleet.StartAsync(2, registered: 1);
        var (leaving, staying) = (fleet.Services[0], fleet.Services[1]);
        await using var client = fleet.Client(engine);
        leaving.Faults.Gate.Close();

        // Three calls held inside the endpoint that is about to leave.
        var held = Enumerable.Range(0, 3).Select(_ => client.CallToolAsync("svc", "echo", Empty, cancellationToken: timeout.Token).AsTask()).ToArray();
        await leaving.Faults.Gate.WaitForWaitingAsync(3, timeout.Token);

        // The service grows to two endpoints (the first keeps its pool and its held calls), then loses the first.
        await fleet.Discovery.AddEndpointAsync("svc", staying.BaseAddress);
        await client.MoveServiceAsync("svc", client.ServiceOf("svc")!); // the change applied before we go on
        Assert.Equal(2, client.ServiceOf("svc")!.Endpoints.Count);
        await fleet.Discovery.RemoveEndpointAsync("svc", leaving.BaseAddress);
        await client.MoveServiceAsync("svc", client.ServiceOf("svc")!);
        var endpoints = client.ServiceOf("svc")!.Endpoints;
        Assert.Equal(new Uri(staying.BaseAddress.AbsoluteUri), Assert.Single(endpoints).Address);

        // New calls go to the one that stayed while the old ones are still held.
        for (var i = 0; i < 5; i++)
        {
            using var result = await client.CallToolAsync("svc", "echo", Empty, cancellationToken: timeout.Token);
        }

        Assert.Equal(5, staying.Counters.TotalToolRequests);
        Assert.All(held, call => Assert.False(call.IsCompleted));

        leaving.Faults.Gate.Release();
        foreach (var call in held)
        {
            using var result = await call.WaitAsync(timeout.Token); // completes: draining never fails a call in flight
        }

        Assert.Equal(3, leaving.Counters.TotalToolRequests);
        await leaving.Counters.WaitForOpenConnectionsAsync(0, timeout.Token); // drained, then its pool closed
    }

    [Fact]
    public async Task AllEndpointsDown_FailFastWithTheSoonestRetryTime()
    {
        using var timeout = new CancellationTokenSource(Bound);
        await using var fleet = await Fleet.StartAsync(2);
        foreach (var service in fleet.Services)
        {
            await service.DisposeAsync(); // both ports now refuse connections
        }

        var breakDuration = TimeSpan.FromSeconds(30);
        await using var client = fleet.Client(engine, o => o.DefaultServiceOptions.CircuitBreaker = new CircuitBreakerOptions { FailureThreshold = 2, BreakDuration = breakDuration });
        var noRetry = new ToolCallOptions { MaxRetries = 0 };

        // Connect failures open each endpoint's breaker after two; at most four calls reach that point.
        CircuitOpenException? open = null;
        var failed = 0;
        for (var i = 0; i < 12 && open is null; i++)
        {
            try
            {
                using var result = await client.CallToolAsync("svc", "echo", Empty, noRetry, timeout.Token);
                Assert.Fail("no endpoint is listening");
            }
            catch (CircuitOpenException ex)
            {
                open = ex;
            }
            catch (ServiceCallException ex)
            {
                Assert.Equal(FailureKind.ConnectFailure, ex.FailureKind);
                failed++;
            }
        }

        Assert.NotNull(open);
        Assert.Equal(4, failed);
        Assert.True(open.RequestNotSent);
        Assert.InRange(open.RetryAfter!.Value, TimeSpan.FromTicks(1), breakDuration);
        Assert.Equal(CircuitState.Open, client.GetDiagnostics().Services["svc"].CircuitState);

        // Refused before queueing, again, with a retry time no later than the first one gave.
        var again = await Assert.ThrowsAsync<CircuitOpenException>(() => client.CallToolAsync("svc", "echo", Empty, noRetry, timeout.Token).AsTask());
        Assert.Equal(0, again.Attempts);
        Assert.True(again.RetryAfter <= open.RetryAfter);
    }

    /// <summary>Several real test services registered as one service "svc".</summary>
    private sealed class Fleet : IAsyncDisposable
    {
        private Fleet(TestMcpService[] services, InMemoryServiceDiscovery discovery)
        {
            Services = services;
            Discovery = discovery;
        }

        public TestMcpService[] Services { get; }

        public InMemoryServiceDiscovery Discovery { get; }

        /// <summary>Starts <paramref name="count"/> services and registers the first <paramref name="registered"/> (all by default).</summary>
        public static async Task<Fleet> StartAsync(int count, int? registered = null)
        {
            var services = new TestMcpService[count];
            for (var i = 0; i < count; i++)
            {
                services[i] = await TestMcpService.StartAsync();
            }

            var discovery = new InMemoryServiceDiscovery();
            await discovery.RegisterAsync("svc", services.Take(registered ?? count).Select(s => s.BaseAddress));
            return new Fleet(services, discovery);
        }

        public NetworkMcpClient Client(HttpEngineKind engine, Action<NetworkMcpClientOptions>? configure = null)
        {
            var options = new NetworkMcpClientOptions { Discovery = Discovery };
            options.DefaultServiceOptions.Http.Engine = engine;

            // Wait mode: on a starved machine the default shedding could refuse calls for queueing delay, which is
            // overload behaviour, not what these tests count.
            options.DefaultServiceOptions.Queue.FullMode = QueueFullMode.Wait;
            configure?.Invoke(options);
            return new NetworkMcpClient(options);
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var service in Services)
            {
                await service.DisposeAsync();
            }
        }
    }
}

/// <summary>The fleet tests over the <see cref="HttpEngineKind.SocketsHttpHandler"/> engine.</summary>
public sealed class SocketsFleetTests() : FleetTests(HttpEngineKind.SocketsHttpHandler);

/// <summary>The fleet tests over the <see cref="HttpEngineKind.Direct"/> engine.</summary>
public sealed class DirectFleetTests() : FleetTests(HttpEngineKind.Direct);
