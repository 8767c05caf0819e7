using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.ServiceDiscovery;

namespace Cortex.Mcp.Fast.ServiceDiscovery.Tests;

/// <summary>The adapter over Microsoft.Extensions.ServiceDiscovery's resolver with its configuration provider.</summary>
public sealed class MicrosoftServiceDiscoveryTests
{
    private static CancellationToken Bounded() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task ResolveAllAsync_HttpsPlusHttp_PrefersHttpsAndKeepsTheAddressPath()
    {
        await using var fixture = Fixture.Create(o => o.Addresses["catalog"] = "https+http://catalog/mcp",
            ("Services:catalog:https:0", "https://10.0.0.1:8443"),
            ("Services:catalog:https:1", "https://10.0.0.2:8443/"),
            ("Services:catalog:http:0", "http://10.0.0.1:8080"));

        var all = await ((IServiceDiscovery)fixture.Discovery).ResolveAllAsync("catalog", Bounded()); // not the interface's default

        Assert.Equal([new Uri("https://10.0.0.1:8443/mcp"), new Uri("https://10.0.0.2:8443/mcp")], all);
    }

    [Fact]
    public async Task ResolveAllAsync_HttpsPlusHttpWithOnlyHttp_UsesHttp()
    {
        await using var fixture = Fixture.Create(configure: null, ("Services:memory:http:0", "http://10.0.0.1:8080"));

        Assert.Equal([new Uri("http://10.0.0.1:8080/")], await fixture.Discovery.ResolveAllAsync("memory", Bounded()));
    }

    [Fact]
    public async Task ResolveAllAsync_MixedSchemesInOneSection_KeepsTheMostPreferred()
    {
        await using var fixture = Fixture.Create(configure: null,
            ("Services:memory:default:0", "http://10.0.0.1:8080"),
            ("Services:memory:default:1", "https://10.0.0.2:8443"));

        Assert.Equal([new Uri("https://10.0.0.2:8443/")], await fixture.Discovery.ResolveAllAsync("memory", Bounded()));
    }

    [Fact]
    public async Task ResolveAllAsync_HostAndPortValues_TakeTheFirstSchemeOfTheAddress()
    {
        await using var fixture = Fixture.Create(o => o.DefaultScheme = "http",
            ("Services:memory:http:0", "10.0.0.1:8080"),
            ("Services:memory:http:1", "[::1]:8081"),
            ("Services:memory:http:2", "memory-2.internal:9000"),
            ("Services:memory:http:3", "10.0.0.1:8080"));

        var all = await fixture.Discovery.ResolveAllAsync("memory", Bounded());

        Assert.Equal([new Uri("http://10.0.0.1:8080/"), new Uri("http://[::1]:8081/"), new Uri("http://memory-2.internal:9000/")], all);
    }

    [Fact]
    public async Task ResolveAsync_ServiceNotConfigured_ReturnsNull()
    {
        await using var fixture = Fixture.Create(configure: null, ("Services:other:http:0", "http://10.0.0.1:8080"));

        Assert.Null(await fixture.Discovery.ResolveAsync("memory", Bounded()));
        Assert.Empty(await fixture.Discovery.ResolveAllAsync("memory", Bounded()));
    }

    [Fact]
    public async Task Reload_EndpointsChange_RaisesEndpointChangedWithTheNewOnes()
    {
        await using var fixture = Fixture.Create(configure: null, ("Services:memory:http:0", "http://10.0.0.1:8080"));
        var changed = new EventRecorder();
        fixture.Discovery.EndpointChanged += changed.Record;
        Assert.Equal(new Uri("http://10.0.0.1:8080/"), await fixture.Discovery.ResolveAsync("memory", Bounded()));

        fixture.Configuration["Services:memory:http:1"] = "http://10.0.0.2:8080";
        fixture.Configuration.Reload();
        await changed.WaitAsync(1, Bounded());

        Assert.Equal(["memory"], changed.Events);
        Assert.Equal([new Uri("http://10.0.0.1:8080/"), new Uri("http://10.0.0.2:8080/")], await fixture.Discovery.ResolveAllAsync("memory", Bounded()));
    }

    [Fact]
    public async Task Reload_NothingChanged_RaisesNothing()
    {
        await using var fixture = Fixture.Create(configure: null, ("Services:memory:http:0", "http://10.0.0.1:8080"));
        var changed = new EventRecorder();
        var refreshed = new EventRecorder();
        fixture.Discovery.EndpointChanged += changed.Record;
        fixture.Discovery.RefreshCompleted += refreshed.Record;
        await fixture.Discovery.ResolveAllAsync("memory", Bounded());

        fixture.Configuration["Unrelated"] = "x";
        fixture.Configuration.Reload();
        await refreshed.WaitAsync(1, Bounded());

        Assert.Empty(changed.Events);
    }

    [Fact]
    public async Task ResolveAsync_UnknownServiceAppearsLater_IsFoundByTheNextCall()
    {
        await using var fixture = Fixture.Create(configure: null);
        Assert.Null(await fixture.Discovery.ResolveAsync("memory", Bounded()));

        fixture.Configuration["Services:memory:http:0"] = "http://10.0.0.1:8080";
        fixture.Configuration.Reload();

        Assert.Equal(new Uri("http://10.0.0.1:8080/"), await fixture.Discovery.ResolveAsync("memory", Bounded()));
    }

    [Theory]
    [InlineData("ftp://catalog", "has the scheme 'ftp'")]
    [InlineData("https+ws://catalog", "has the scheme 'https+ws'")]
    [InlineData("catalog", "must be an absolute URI")]
    [InlineData("https://user:secret@catalog/", "must not carry user information")]
    [InlineData("https://catalog/mcp?x=1", "must not carry user information, a query")]
    public async Task Constructor_BadAddress_IsRefusedNamingTheService(string address, string expected)
    {
        var options = new MicrosoftServiceDiscoveryOptions();
        options.Addresses["catalog"] = address;
        await using var provider = Fixture.Services([]); // the resolver is IAsyncDisposable only

        var error = Assert.Throws<ArgumentException>(() => new MicrosoftServiceDiscovery(provider.GetRequiredService<ServiceEndpointResolver>(), options));

        Assert.Contains("service 'catalog'", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_BadValues_AreRefused()
    {
        var options = new MicrosoftServiceDiscoveryOptions();

        Assert.Throws<ArgumentException>(() => options.DefaultScheme = "grpc");
        Assert.Throws<ArgumentOutOfRangeException>(() => options.RefreshPeriod = TimeSpan.Zero);
        options.DefaultScheme = "http+https";
        Assert.Equal("http+https", options.DefaultScheme);
    }

    /// <summary>A container with the resolver and its configuration provider over in-memory configuration.</summary>
    private sealed class Fixture : IAsyncDisposable
    {
        private readonly ServiceProvider _provider;

        private Fixture(ServiceProvider provider, MicrosoftServiceDiscovery discovery)
        {
            _provider = provider;
            Discovery = discovery;
        }

        public MicrosoftServiceDiscovery Discovery { get; }

        public IConfigurationRoot Configuration => (IConfigurationRoot)_provider.GetRequiredService<IConfiguration>();

        public static Fixture Create(Action<MicrosoftServiceDiscoveryOptions>? configure, params (string Key, string Value)[] settings)
        {
            var provider = Services(settings);
            var options = new MicrosoftServiceDiscoveryOptions();
            configure?.Invoke(options);
            return new Fixture(provider, new MicrosoftServiceDiscovery(provider.GetRequiredService<ServiceEndpointResolver>(), options));
        }

        public static ServiceProvider Services((string Key, string Value)[] settings)
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
                .Build();
            var services = new ServiceCollection();
            services.AddSingleton<IConfiguration>(configuration);
            services.AddLogging();
            services.AddServiceDiscoveryCore();
            services.AddConfigurationServiceEndpointProvider();
            return services.BuildServiceProvider();
        }

        public async ValueTask DisposeAsync()
        {
            await Discovery.DisposeAsync();
            await _provider.DisposeAsync();
        }
    }
}
