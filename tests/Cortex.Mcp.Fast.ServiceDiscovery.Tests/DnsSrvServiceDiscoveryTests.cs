using System.Net;
using DnsClient;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.ServiceDiscovery.Tests;

/// <summary>DNS SRV discovery against a real UDP DNS server on 127.0.0.1, with the TTL timers on a fake clock.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes them through IAsyncLifetime.DisposeAsync.")]
public sealed class DnsSrvServiceDiscoveryTests : IAsyncLifetime
{
    private const string Srv = "_mcp._tcp.memory";
    private readonly TestDnsServer _dns = new();
    private readonly FakeTimeProvider _time = new();
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    private CancellationToken Bounded => _timeout.Token;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _dns.DisposeAsync();
        _timeout.Dispose();
    }

    [Fact]
    public async Task ResolveAllAsync_SrvWithAdditionals_ReturnsTheLowestPriorityHeaviestFirst()
    {
        _dns.SetSrv(Srv,
            new SrvEntry(Priority: 10, Weight: 5, Port: 1001, Target: "a.test"),
            new SrvEntry(Priority: 10, Weight: 50, Port: 1002, Target: "b.test"),
            new SrvEntry(Priority: 20, Weight: 100, Port: 1003, Target: "c.test"));
        _dns.SetHost("a.test", 30, IPAddress.Parse("127.0.0.2"));
        _dns.SetHost("b.test", 30, IPAddress.Parse("127.0.0.3"));
        _dns.SetHost("c.test", 30, IPAddress.Parse("127.0.0.4"));
        await using var discovery = Create();

        var all = await ((IServiceDiscovery)discovery).ResolveAllAsync("memory", Bounded); // not the interface's default
        var one = await discovery.ResolveAsync("memory", Bounded);

        Assert.Equal([new Uri("http://127.0.0.3:1002/"), new Uri("http://127.0.0.2:1001/")], all);
        Assert.Equal(new Uri("http://127.0.0.3:1002/"), one);
        Assert.Equal(1, _dns.Count(Srv, "SRV"));   // the second call was answered by the watch
        Assert.Equal(0, _dns.Count("a.test", "A")); // the additional section was used
    }

    [Fact]
    public async Task ResolveAllAsync_NoAdditionals_LooksTargetsUpAsAAndAaaa()
    {
        _dns.IncludeAdditionals = false;
        _dns.SetSrv(Srv, new SrvEntry(1, 1, 9000, "a.test"));
        _dns.SetHost("a.test", 30, IPAddress.Parse("127.0.0.5"), IPAddress.IPv6Loopback);
        await using var discovery = Create(o => o.Path = "/mcp");

        var all = await discovery.ResolveAllAsync("memory", Bounded);

        Assert.Equal([new Uri("http://127.0.0.5:9000/mcp"), new Uri("http://[::1]:9000/mcp")], all);
        Assert.Equal(1, _dns.Count("a.test", "A"));
        Assert.Equal(1, _dns.Count("a.test", "AAAA"));
    }

    [Fact]
    public async Task ResolveAllAsync_LowestPriorityHasNoAddress_FallsBackToTheNextPriority()
    {
        _dns.SetSrv(Srv, new SrvEntry(1, 1, 1001, "gone.test"), new SrvEntry(2, 1, 1002, "b.test"), new SrvEntry(0, 1, 1000, "."));
        _dns.SetHost("gone.test", 30);
        _dns.SetHost("b.test", 30, IPAddress.Parse("127.0.0.3"));
        await using var discovery = Create();

        Assert.Equal([new Uri("http://127.0.0.3:1002/")], await discovery.ResolveAllAsync("memory", Bounded));
    }

    [Fact]
    public async Task ResolveAllAsync_TargetsNotResolved_NamesTheHostsWithTheConfiguredQueryNameAndScheme()
    {
        _dns.SetSrv("_grpc._tcp.catalog.shop", new SrvEntry(1, 1, 443, "catalog-0.shop"));
        await using var discovery = Create(o =>
        {
            o.QueryNames["catalog"] = "_grpc._tcp.catalog.shop";
            o.Scheme = "https";
            o.ResolveTargets = false;
        });

        Assert.Equal([new Uri("https://catalog-0.shop:443/")], await discovery.ResolveAllAsync("catalog", Bounded));
        Assert.Equal(0, _dns.Count("catalog-0.shop", "A"));
    }

    [Fact]
    public async Task ResolveAsync_NameDoesNotExist_ReturnsNull()
    {
        await using var discovery = Create();

        Assert.Null(await discovery.ResolveAsync("nothing", Bounded));
        Assert.Empty(await discovery.ResolveAllAsync("nothing", Bounded));

        Assert.Equal(2, _dns.Count("_mcp._tcp.nothing", "SRV")); // not watched: each call asks
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(2, _dns.Count("_mcp._tcp.nothing", "SRV")); // and no timer asks meanwhile
    }

    [Fact]
    public async Task Ttl_WatchedServiceDisappears_RaisesEndpointChangedAndReturnsNothing()
    {
        _dns.SetSrv(Srv, new SrvEntry(1, 1, 8080, "a.test", Ttl: 10));
        _dns.SetHost("a.test", 10, IPAddress.Parse("127.0.0.2"));
        await using var discovery = Create();
        var changed = new EventRecorder();
        discovery.EndpointChanged += changed.Record;
        await discovery.ResolveAllAsync("memory", Bounded);

        _dns.SetSrv(Srv);
        _time.Advance(TimeSpan.FromSeconds(10));
        await changed.WaitAsync(1, Bounded);

        Assert.Null(await discovery.ResolveAsync("memory", Bounded));
    }

    [Fact]
    public async Task Ttl_RunsOut_ResolvesAgainAndRaisesEndpointChanged()
    {
        _dns.SetSrv(Srv, new SrvEntry(1, 1, 8080, "a.test", Ttl: 60));
        _dns.SetHost("a.test", 30, IPAddress.Parse("127.0.0.2")); // the smallest TTL of the records used wins
        await using var discovery = Create();
        var changed = new EventRecorder();
        discovery.EndpointChanged += changed.Record;
        Assert.Equal([new Uri("http://127.0.0.2:8080/")], await discovery.ResolveAllAsync("memory", Bounded));

        _dns.SetHost("a.test", 30, IPAddress.Parse("127.0.0.3"));
        _time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, _dns.Count(Srv, "SRV"));
        _time.Advance(TimeSpan.FromSeconds(1));
        await changed.WaitAsync(1, Bounded);

        Assert.Equal(["memory"], changed.Events);
        Assert.Equal([new Uri("http://127.0.0.3:8080/")], await discovery.ResolveAllAsync("memory", Bounded));
        Assert.Equal(2, _dns.Count(Srv, "SRV"));
    }

    [Fact]
    public async Task Ttl_RunsOutWithTheSameAnswer_RaisesNothing()
    {
        _dns.SetSrv(Srv, new SrvEntry(1, 1, 8080, "a.test", Ttl: 10));
        _dns.SetHost("a.test", 10, IPAddress.Parse("127.0.0.2"));
        await using var discovery = Create();
        var changed = new EventRecorder();
        var refreshed = new EventRecorder();
        discovery.EndpointChanged += changed.Record;
        discovery.RefreshCompleted += refreshed.Record;
        await discovery.ResolveAllAsync("memory", Bounded);

        _time.Advance(TimeSpan.FromSeconds(10));
        await refreshed.WaitAsync(1, Bounded);
        _time.Advance(TimeSpan.FromSeconds(10));
        await refreshed.WaitAsync(2, Bounded);

        Assert.Empty(changed.Events);
        Assert.Equal(3, _dns.Count(Srv, "SRV"));
    }

    [Fact]
    public async Task Ttl_ZeroSeconds_IsHeldAtMinTtl()
    {
        _dns.SetSrv(Srv, new SrvEntry(1, 1, 8080, "a.test", Ttl: 0));
        _dns.SetHost("a.test", 0, IPAddress.Parse("127.0.0.2"));
        await using var discovery = Create(o => o.MinTtl = TimeSpan.FromSeconds(5));
        var refreshed = new EventRecorder();
        discovery.RefreshCompleted += refreshed.Record;
        await discovery.ResolveAllAsync("memory", Bounded);

        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, _dns.Count(Srv, "SRV"));
        _time.Advance(TimeSpan.FromSeconds(1));
        await refreshed.WaitAsync(1, Bounded);

        Assert.Equal(2, _dns.Count(Srv, "SRV"));
    }

    [Fact]
    public async Task Refresh_ServerSilent_KeepsTheLastGoodAnswerThenFollowsTheNextOne()
    {
        _dns.SetSrv(Srv, new SrvEntry(1, 1, 8080, "a.test", Ttl: 10));
        _dns.SetHost("a.test", 10, IPAddress.Parse("127.0.0.2"));
        await using var discovery = Create(o =>
        {
            o.FailureRetryDelay = TimeSpan.FromSeconds(3);
            o.QueryTimeout = TimeSpan.FromSeconds(1); // how long the silent server is waited for (real time)
        });
        var changed = new EventRecorder();
        var refreshed = new EventRecorder();
        discovery.EndpointChanged += changed.Record;
        discovery.RefreshCompleted += refreshed.Record;
        await discovery.ResolveAllAsync("memory", Bounded);

        _dns.Silent = true;
        _time.Advance(TimeSpan.FromSeconds(10));
        await refreshed.WaitAsync(1, Bounded); // the query timed out

        Assert.Equal([new Uri("http://127.0.0.2:8080/")], await discovery.ResolveAllAsync("memory", Bounded));
        Assert.Empty(changed.Events);

        _dns.Silent = false;
        _dns.SetHost("a.test", 10, IPAddress.Parse("127.0.0.9"));
        _time.Advance(TimeSpan.FromSeconds(3)); // the retry delay, not the TTL
        await changed.WaitAsync(1, Bounded);

        Assert.Equal([new Uri("http://127.0.0.9:8080/")], await discovery.ResolveAllAsync("memory", Bounded));
    }

    [Fact]
    public async Task Refresh_ServerFailure_KeepsTheLastGoodAnswer()
    {
        _dns.SetSrv(Srv, new SrvEntry(1, 1, 8080, "a.test", Ttl: 10));
        _dns.SetHost("a.test", 10, IPAddress.Parse("127.0.0.2"));
        await using var discovery = Create();
        var refreshed = new EventRecorder();
        discovery.RefreshCompleted += refreshed.Record;
        await discovery.ResolveAllAsync("memory", Bounded);

        _dns.FailWith = 2; // SERVFAIL
        _time.Advance(TimeSpan.FromSeconds(10));
        await refreshed.WaitAsync(1, Bounded);

        Assert.Equal([new Uri("http://127.0.0.2:8080/")], await discovery.ResolveAllAsync("memory", Bounded));
        Assert.Equal(2, _dns.Count(Srv, "SRV"));
    }

    [Fact]
    public async Task ResolveAllAsync_FirstLookupFails_ThrowsAndTheNextCallTriesAgain()
    {
        _dns.SetSrv(Srv, new SrvEntry(1, 1, 8080, "a.test"));
        _dns.SetHost("a.test", 10, IPAddress.Parse("127.0.0.2"));
        _dns.FailWith = 5; // REFUSED
        await using var discovery = Create();

        var error = await Assert.ThrowsAsync<DnsResponseException>(async () => await discovery.ResolveAllAsync("memory", Bounded));
        Assert.Equal(DnsResponseCode.Refused, error.Code);

        _dns.FailWith = null;
        Assert.Equal([new Uri("http://127.0.0.2:8080/")], await discovery.ResolveAllAsync("memory", Bounded));
    }

    [Fact]
    public async Task ResolveAllAsync_MoreRecordsThanMaxEndpoints_KeepsTheFirst()
    {
        _dns.SetSrv(Srv, new SrvEntry(1, 3, 1, "a.test"), new SrvEntry(1, 2, 2, "a.test"), new SrvEntry(1, 1, 3, "a.test"));
        _dns.SetHost("a.test", 10, IPAddress.Parse("127.0.0.2"));
        await using var discovery = Create(o => o.MaxEndpoints = 2);

        Assert.Equal([new Uri("http://127.0.0.2:1/"), new Uri("http://127.0.0.2:2/")], await discovery.ResolveAllAsync("memory", Bounded));
    }

    [Fact]
    public void Options_OutOfRange_AreRefused()
    {
        var options = new DnsSrvDiscoveryOptions();

        Assert.Throws<ArgumentException>(() => options.QueryNameFormat = "_mcp._tcp.fixed");
        Assert.Throws<ArgumentException>(() => options.Scheme = "ftp");
        Assert.Throws<ArgumentException>(() => options.Path = "mcp");
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MinTtl = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.QueryRetries = 6);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxEndpoints = 0);
        options.MinTtl = TimeSpan.FromMinutes(10);
        var error = Assert.Throws<ArgumentException>(() => new DnsSrvServiceDiscovery(options));
        Assert.StartsWith("MinTtl (00:10:00) must not be above MaxTtl (00:05:00).", error.Message, StringComparison.Ordinal);
    }

    private DnsSrvServiceDiscovery Create(Action<DnsSrvDiscoveryOptions>? configure = null)
    {
        // A generous timeout: the machine may be busy; only the silent-server test shortens it.
        var options = new DnsSrvDiscoveryOptions { QueryTimeout = TimeSpan.FromSeconds(5), QueryRetries = 0 };
        options.NameServers.Add(_dns.EndPoint);
        configure?.Invoke(options);
        return new DnsSrvServiceDiscovery(options, _time);
    }
}
