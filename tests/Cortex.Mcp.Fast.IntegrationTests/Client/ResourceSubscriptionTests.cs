using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>
/// <see cref="NetworkMcpClient.SubscribeResourceAsync"/> against the test service over real loopback sockets:
/// <c>resources/subscribe</c>, the shared standalone GET stream, fan-out by URI, unsubscribe, refusal, recovery.
/// Every wait is bounded; nothing sleeps.
/// </summary>
public sealed class ResourceSubscriptionTests
{
    private const string UriA = "test://resource/a";
    private const string UriB = "test://resource/b";

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Subscribe_ThenServerNotifies_YieldsTheUpdate()
    {
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse });
        await using var client = await CreateClientAsync(service.McpAddress);
        using var cts = new CancellationTokenSource(Bound);

        await using var updates = client.SubscribeResourceAsync("mcp", UriA).GetAsyncEnumerator(cts.Token);
        var next = updates.MoveNextAsync().AsTask();
        await service.Mcp.WaitUntilAsync(m => m.Subscribes == 1 && m.OpenStandaloneStreams == 1, cts.Token);

        Assert.Equal(1, await service.Mcp.NotifyResourceUpdatedAsync(UriA));
        Assert.True(await next.WaitAsync(cts.Token));
        Assert.Equal(UriA, updates.Current.Uri);

        // A second update on the same subscription.
        next = updates.MoveNextAsync().AsTask();
        await service.Mcp.NotifyResourceUpdatedAsync(UriA);
        Assert.True(await next.WaitAsync(cts.Token));
        Assert.Equal(UriA, updates.Current.Uri);
    }

    [Fact]
    public async Task TwoSubscribers_DifferentUris_EachSeeOnlyTheirsAndShareOneStream()
    {
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse });
        await using var client = await CreateClientAsync(service.McpAddress);
        using var cts = new CancellationTokenSource(Bound);

        await using var a = client.SubscribeResourceAsync("mcp", UriA).GetAsyncEnumerator(cts.Token);
        await using var b = client.SubscribeResourceAsync("mcp", UriB).GetAsyncEnumerator(cts.Token);
        var nextA = a.MoveNextAsync().AsTask();
        var nextB = b.MoveNextAsync().AsTask();
        await service.Mcp.WaitUntilAsync(m => m.Subscribes == 2 && m.OpenStandaloneStreams == 1, cts.Token);

        // Order on the one stream: A, B, A. If A wrongly received B's update, its second item would be B.
        await service.Mcp.NotifyResourceUpdatedAsync(UriA);
        await service.Mcp.NotifyResourceUpdatedAsync(UriB);
        Assert.True(await nextA.WaitAsync(cts.Token));
        Assert.Equal(UriA, a.Current.Uri);
        Assert.True(await nextB.WaitAsync(cts.Token));
        Assert.Equal(UriB, b.Current.Uri);

        nextA = a.MoveNextAsync().AsTask();
        nextB = b.MoveNextAsync().AsTask();
        await service.Mcp.NotifyResourceUpdatedAsync(UriA);
        Assert.True(await nextA.WaitAsync(cts.Token));
        Assert.Equal(UriA, a.Current.Uri);
        Assert.False(nextB.IsCompleted);

        Assert.Equal(1, service.Mcp.OpenStandaloneStreams);
        Assert.Equal(1, Transport(client).StandaloneOpens);
        Assert.Equal(2, client.GetDiagnostics().Services["mcp"].OpenStreams);

        // A pending MoveNextAsync must end before its enumerator is disposed.
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => nextB);
    }

    [Fact]
    public async Task Cancellation_EndsTheEnumeration_SendsUnsubscribe_AndReleasesTheStream()
    {
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse });
        await using var client = await CreateClientAsync(service.McpAddress);
        using var bound = new CancellationTokenSource(Bound);
        using var cts = new CancellationTokenSource();

        var received = 0;
        var consumed = Task.Run(async () =>
        {
            await foreach (var unused in client.SubscribeResourceAsync("mcp", UriA, cts.Token))
            {
                received++;
            }
        });
        await service.Mcp.WaitUntilAsync(m => m.Subscribes == 1 && m.OpenStandaloneStreams == 1, bound.Token);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => consumed.WaitAsync(bound.Token));

        // The unsubscribe ran before the enumeration ended; the GET closes once its last subscriber left.
        Assert.Equal(1, service.Mcp.Unsubscribes);
        await service.Mcp.WaitUntilAsync(m => m.OpenStandaloneStreams == 0, bound.Token);
        Assert.Equal(0, received);
        Assert.Equal(0, client.GetDiagnostics().Services["mcp"].OpenStreams);
    }

    [Fact]
    public async Task BreakingOutOfTheLoop_SendsUnsubscribe()
    {
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse });
        await using var client = await CreateClientAsync(service.McpAddress);
        using var cts = new CancellationTokenSource(Bound);

        var first = Task.Run(async () =>
        {
            await foreach (var update in client.SubscribeResourceAsync("mcp", UriA, cts.Token))
            {
                return update;
            }

            return null;
        });
        await service.Mcp.WaitUntilAsync(m => m.Subscribes == 1 && m.OpenStandaloneStreams == 1, cts.Token);
        await service.Mcp.NotifyResourceUpdatedAsync(UriA);

        Assert.Equal(UriA, (await first.WaitAsync(cts.Token))?.Uri);
        Assert.Equal(1, service.Mcp.Unsubscribes);
        await service.Mcp.WaitUntilAsync(m => m.OpenStandaloneStreams == 0, cts.Token);
    }

    [Fact]
    public async Task StatelessServer_Get405_IsTypedResourceStreamException()
    {
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { McpMode = TestMcpMode.StatelessJson });
        await using var client = await CreateClientAsync(service.McpAddress);
        using var cts = new CancellationTokenSource(Bound);

        var ex = await Assert.ThrowsAsync<ResourceStreamException>(async () =>
        {
            await foreach (var unused in client.SubscribeResourceAsync("mcp", UriA, cts.Token))
            {
            }
        });

        Assert.Equal(405, ex.StatusCode);
        Assert.Equal(UriA, ex.Path);
        Assert.Equal(0, service.Mcp.Subscribes); // refused before subscribing: nothing to undo
        Assert.Equal(1, Transport(client).InitializeCount);
        Assert.Equal(0, client.GetDiagnostics().Services["mcp"].OpenStreams);

        // No reconnect storm, and a later subscription tries once more (and fails the same way).
        await Assert.ThrowsAsync<ResourceStreamException>(async () =>
        {
            await foreach (var unused in client.SubscribeResourceAsync("mcp", UriB, cts.Token))
            {
            }
        });
    }

    [Fact]
    public async Task RestService_IsRefusedWithTypedError_BeforeAnyRequest()
    {
        await using var service = await TestMcpService.StartAsync();
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("rest", service.BaseAddress);
        await using var client = new NetworkMcpClient(new NetworkMcpClientOptions { Discovery = discovery });

        var ex = await Assert.ThrowsAsync<ServiceCallException>(async () =>
        {
            await foreach (var unused in client.SubscribeResourceAsync("rest", UriA))
            {
            }
        });

        Assert.IsNotType<ResourceStreamException>(ex);
        Assert.True(ex.RequestNotSent);
        Assert.Contains("MCP", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionExpired_StreamReopensOnANewSession_AndResubscribes()
    {
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse });
        await using var client = await CreateClientAsync(service.McpAddress);
        using var cts = new CancellationTokenSource(Bound);

        await using var updates = client.SubscribeResourceAsync("mcp", UriA).GetAsyncEnumerator(cts.Token);
        var next = updates.MoveNextAsync().AsTask();
        await service.Mcp.WaitUntilAsync(m => m.Subscribes == 1 && m.OpenStandaloneStreams == 1, cts.Token);

        Assert.Equal(1, service.Mcp.ExpireSessions());
        await service.Mcp.WaitUntilAsync(m => m.Subscribes == 2 && m.OpenStandaloneStreams == 1 && m.LiveSessions == 1, cts.Token);
        Assert.Equal(2, Transport(client).InitializeCount);

        Assert.Equal(1, await service.Mcp.NotifyResourceUpdatedAsync(UriA));
        Assert.True(await next.WaitAsync(cts.Token));
        Assert.Equal(UriA, updates.Current.Uri);
    }

    private static async Task<NetworkMcpClient> CreateClientAsync(Uri endpoint)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("mcp", endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        options.DefaultServiceOptions.Retry.MaxRetries = 0;
        return new NetworkMcpClient(options);
    }

    private static StreamableHttpTransport Transport(NetworkMcpClient client) =>
        Assert.IsType<StreamableHttpTransport>(client.GetTransport("mcp"));
}
