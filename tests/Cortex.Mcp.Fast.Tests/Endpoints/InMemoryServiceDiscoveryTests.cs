namespace Cortex.Mcp.Fast.Tests.Endpoints;

/// <summary>The embedded registry with many endpoints per service, and its single-endpoint API unchanged.</summary>
public sealed class InMemoryServiceDiscoveryTests
{
    private static readonly Uri A = new("http://10.0.0.1:9000/");
    private static readonly Uri B = new("http://10.0.0.2:9000/");
    private static readonly Uri C = new("http://10.0.0.3:9000/");

    [Fact]
    public async Task RegisterList_ResolveAllGivesEveryEndpointInOrder_ResolveGivesTheFirst()
    {
        var discovery = new InMemoryServiceDiscovery();
        var changes = Changes(discovery);

        await discovery.RegisterAsync("svc", [A, B, A, C]);

        Assert.Equal(new[] { A, B, C }, await discovery.ResolveAllAsync("svc"));
        Assert.Equal(A, await discovery.ResolveAsync("svc"));
        Assert.Equal(["svc"], changes);
    }

    [Fact]
    public async Task ThroughTheInterface_TheOverrideAnswers_NotTheSingleEndpointDefault()
    {
        IServiceDiscovery discovery = new InMemoryServiceDiscovery([new("svc", A), new("svc", B)]);

        Assert.Equal(new[] { A, B }, await discovery.ResolveAllAsync("svc"));
        Assert.Empty(await discovery.ResolveAllAsync("other"));
    }

    [Fact]
    public async Task AddAndRemoveEndpoint_RaiseOnlyOnChange_AndTheLastRemovalDeregisters()
    {
        var discovery = new InMemoryServiceDiscovery();
        var changes = Changes(discovery);

        Assert.True(await discovery.AddEndpointAsync("svc", A));
        Assert.True(await discovery.AddEndpointAsync("svc", B));
        Assert.False(await discovery.AddEndpointAsync("svc", B));
        Assert.Equal(new[] { A, B }, await discovery.ResolveAllAsync("svc"));

        Assert.True(await discovery.RemoveEndpointAsync("svc", A));
        Assert.False(await discovery.RemoveEndpointAsync("svc", A));
        Assert.Equal(new[] { B }, await discovery.ResolveAllAsync("svc"));

        Assert.True(await discovery.RemoveEndpointAsync("svc", B));
        Assert.Null(await discovery.ResolveAsync("svc"));
        Assert.Empty(await discovery.ResolveAllAsync("svc"));
        Assert.Equal(4, changes.Count);
    }

    [Fact]
    public async Task RegisterSingle_ReplacesTheList_AndTheSameListTwiceIsNoChange()
    {
        var discovery = new InMemoryServiceDiscovery();
        var changes = Changes(discovery);

        await discovery.RegisterAsync("svc", [A, B]);
        await discovery.RegisterAsync("svc", [A, B]);
        await discovery.RegisterAsync("svc", C);
        await discovery.RegisterAsync("svc", C);

        Assert.Equal(new[] { C }, await discovery.ResolveAllAsync("svc"));
        Assert.Equal(2, changes.Count);
    }

    [Fact]
    public async Task BadLists_AreRefusedWithArgumentException_AndChangeNothing()
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("svc", A);

        await Assert.ThrowsAsync<ArgumentException>(async () => await discovery.RegisterAsync("svc", Array.Empty<Uri>()));
        await Assert.ThrowsAsync<ArgumentException>(async () => await discovery.RegisterAsync("svc", [B, new Uri("ftp://10.0.0.9/")]));
        await Assert.ThrowsAsync<ArgumentException>(async () => await discovery.RegisterAsync("svc", [new Uri("http://user:pw@10.0.0.9/")]));
        await Assert.ThrowsAsync<ArgumentException>(async () => await discovery.AddEndpointAsync("svc", new Uri("/relative", UriKind.Relative)));

        Assert.Equal(new[] { A }, await discovery.ResolveAllAsync("svc"));
    }

    private static List<string> Changes(InMemoryServiceDiscovery discovery)
    {
        var changes = new List<string>();
        discovery.EndpointChanged += changes.Add;
        return changes;
    }
}
