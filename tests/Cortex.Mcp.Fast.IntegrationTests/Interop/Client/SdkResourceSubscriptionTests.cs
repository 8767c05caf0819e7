
namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Client;

/// <summary>
/// <see cref="NetworkMcpClient.SubscribeResourceAsync"/> against the official C# SDK server, stateful: the update
/// the server sends through the subscribing session arrives on our standalone GET stream. Bounded waits, no sleeps.
/// </summary>
public sealed class SdkResourceSubscriptionTests(SdkStatefulServerFixture server) : IClassFixture<SdkStatefulServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Subscribe_ServerNotifies_UpdateArrives_ThenUnsubscribes()
    {
        // The fixture is shared: a URI of this test alone (the handler accepts any URI).
        const string uri = "test://interop/subscribed/1";
        await using var client = await CreateClientAsync(server.Endpoint);
        using var cts = new CancellationTokenSource(Bound);

        await using (var updates = client.SubscribeResourceAsync("mcp", uri).GetAsyncEnumerator(cts.Token))
        {
            var next = updates.MoveNextAsync().AsTask();
            await server.Subscribed(uri).WaitAsync(cts.Token);

            Assert.True(await server.NotifyResourceUpdatedAsync(uri));
            Assert.True(await next.WaitAsync(cts.Token));
            Assert.Equal(uri, updates.Current.Uri);
        }

        await server.Unsubscribed(uri).WaitAsync(cts.Token);
    }

    [Fact]
    public async Task ToolsListChanged_OnTheStandaloneStream_DropsTheToolCache()
    {
        const string uri = "test://interop/subscribed/2";
        await using var client = await CreateClientAsync(server.Endpoint);
        using var cts = new CancellationTokenSource(Bound);
        var before = await client.ListToolsAsync("mcp", cts.Token);
        Assert.Same(before, await client.ListToolsAsync("mcp", cts.Token)); // cached

        await using var updates = client.SubscribeResourceAsync("mcp", uri).GetAsyncEnumerator(cts.Token);
        var next = updates.MoveNextAsync().AsTask();
        await server.Subscribed(uri).WaitAsync(cts.Token);

        // Same stream, in order: once the update is here, list_changed was handled.
        await server.SendToolsListChangedAsync(uri);
        Assert.True(await server.NotifyResourceUpdatedAsync(uri));
        Assert.True(await next.WaitAsync(cts.Token));

        var after = await client.ListToolsAsync("mcp", cts.Token);
        Assert.NotSame(before, after);
        Assert.Equal(before.Select(t => t.Name), after.Select(t => t.Name));
    }

    [Fact]
    public async Task ServerPing_OnTheStandaloneStream_IsAnswered()
    {
        const string uri = "test://interop/subscribed/3";
        await using var client = await CreateClientAsync(server.Endpoint);
        using var cts = new CancellationTokenSource(Bound);

        await using var updates = client.SubscribeResourceAsync("mcp", uri).GetAsyncEnumerator(cts.Token);
        var next = updates.MoveNextAsync().AsTask();
        await server.Subscribed(uri).WaitAsync(cts.Token);

        var response = await server.PingClientAsync(uri, cts.Token);
        Assert.NotNull(response.Result);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
    }

    internal static async Task<NetworkMcpClient> CreateClientAsync(Uri endpoint)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("mcp", endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        options.DefaultServiceOptions.Retry.MaxRetries = 0;
        return new NetworkMcpClient(options);
    }
}

/// <summary>The official C# SDK server without sessions offers no standalone GET stream: a typed refusal.</summary>
public sealed class SdkStatelessResourceSubscriptionTests(SdkStatelessServerFixture server) : IClassFixture<SdkStatelessServerFixture>
{
    [Fact]
    public async Task Subscribe_StatelessServer_IsTypedResourceStreamException()
    {
        const string uri = "test://interop/subscribed/stateless";
        await using var client = await SdkResourceSubscriptionTests.CreateClientAsync(server.Endpoint);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var ex = await Assert.ThrowsAsync<ResourceStreamException>(async () =>
        {
            await foreach (var unused in client.SubscribeResourceAsync("mcp", uri, cts.Token))
            {
            }
        });

        Assert.Equal(uri, ex.Path);
        Assert.InRange(ex.StatusCode, 400, 499);
        Assert.False(server.Subscribed(uri).IsCompleted);
    }
}
