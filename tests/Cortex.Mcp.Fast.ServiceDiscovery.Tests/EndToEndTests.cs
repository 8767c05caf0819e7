using System.Net;
using System.Text.Json;
using Cortex.Mcp.Fast.Hosting;
using Cortex.Mcp.Fast.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Cortex.Mcp.Fast.ServiceDiscovery.Tests;

/// <summary>A hosted client finds a real Kestrel-hosted test service through each source and calls a tool on it.</summary>
public sealed class EndToEndTests
{
    private static readonly JsonElement s_args = JsonDocument.Parse("""{"n":1}""").RootElement;

    private static CancellationToken Bounded() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;

    [Fact]
    public async Task CallToolAsync_ServiceFoundThroughConfigurationProvider_Succeeds()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        await using var host = await StartAsync(
            [new("Services:memory:http:0", service.BaseAddress.ToString()), new("Mcp:Services:memory:CallTimeout", "00:00:10")],
            services => services.UseServiceDiscovery());
        var client = host.Services.GetRequiredService<NetworkMcpClient>();

        using var result = await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded());

        Assert.Equal(1, result.Json.GetProperty("echo").GetProperty("n").GetInt32());
        Assert.Equal(1, service.Counters.ToolRequests("echo"));
        Assert.IsType<MicrosoftServiceDiscovery>(ClientDiscovery(host.Services));
    }

    [Fact]
    public async Task ListToolsAsync_AddressPathMcp_SpeaksStreamableHttp()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        await using var host = await StartAsync(
            [new("Services:docs:http:0", service.BaseAddress.ToString()), new("Mcp:Services:docs:Protocol", "Auto")],
            services => services.UseServiceDiscovery(o => o.Addresses["docs"] = "https+http://docs/mcp"));
        var client = host.Services.GetRequiredService<NetworkMcpClient>();

        Assert.Equal(new Uri(service.BaseAddress, "mcp"), await ClientDiscovery(host.Services).ResolveAsync("docs", Bounded()));
        var tools = await client.ListToolsAsync("docs", Bounded());

        Assert.Contains(tools, t => t.Name == "echo");
        Assert.Equal(0, service.Counters.TotalToolRequests); // the REST routes were not used
    }

    [Fact]
    public async Task Reload_ConfiguredEndpointMoves_TheNextCallGoesToTheNewService()
    {
        await using var first = await TestMcpService.StartAsync(cancellationToken: Bounded());
        await using var second = await TestMcpService.StartAsync(cancellationToken: Bounded());
        await using var host = await StartAsync(
            [new("Services:memory:http:0", first.BaseAddress.ToString())],
            services => services.UseServiceDiscovery());
        var client = host.Services.GetRequiredService<NetworkMcpClient>();
        var discovery = (MicrosoftServiceDiscovery)ClientDiscovery(host.Services);
        using (await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded()))
        {
        }

        var changed = new EventRecorder();
        discovery.EndpointChanged += changed.Record;
        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        configuration["Services:memory:http:0"] = second.BaseAddress.ToString();
        configuration.Reload();
        await changed.WaitAsync(1, Bounded());

        // The client subscribed before the recorder, and moves the service inside its handler when discovery answers
        // from its watch (synchronously), so the move is done once the recorder has seen the event.
        Assert.Equal(second.BaseAddress, client.GetDiagnostics().Services["memory"].Endpoint);
        using (await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded()))
        {
        }

        Assert.Equal(1, first.Counters.ToolRequests("echo"));
        Assert.Equal(1, second.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task CallToolAsync_ServiceFoundThroughDnsSrv_Succeeds()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        await using var dns = new TestDnsServer();
        dns.SetSrv("_mcp._tcp.memory", new SrvEntry(1, 1, (ushort)service.BaseAddress.Port, "memory-0.test"));
        dns.SetHost("memory-0.test", 30, IPAddress.Loopback);
        await using var host = await StartAsync([], services => services.UseDnsSrvDiscovery(o => o.NameServers.Add(dns.EndPoint)));
        var client = host.Services.GetRequiredService<NetworkMcpClient>();

        using var result = await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded());

        Assert.Equal(1, result.Json.GetProperty("echo").GetProperty("n").GetInt32());
        Assert.Equal(1, service.Counters.ToolRequests("echo"));
        Assert.Equal(1, dns.Count("_mcp._tcp.memory", "SRV"));
        Assert.IsType<DnsSrvServiceDiscovery>(ClientDiscovery(host.Services));
    }

    [Fact]
    public async Task Start_EndpointKeyWithDiscovery_IsAStartUpErrorNamingTheKey()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var host = await StartAsync([new("Mcp:Services:memory:Endpoint", "http://127.0.0.1:1/")], services => services.UseServiceDiscovery());
        });

        Assert.Contains("Mcp:Services:*:Endpoint", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The discovery the default client was built with.</summary>
    private static IServiceDiscovery ClientDiscovery(IServiceProvider services)
    {
        var hosting = services.GetRequiredService<IOptionsMonitor<McpClientHostingOptions>>().Get(Options.DefaultName);
        var options = new NetworkMcpClientOptions();
        foreach (var configure in hosting.ConfigureClient)
        {
            configure(options);
        }

        return options.Discovery;
    }

    private static async Task<AsyncHost> StartAsync(KeyValuePair<string, string?>[] settings, Action<IServiceCollection> discovery)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddNetworkMcpClient(builder.Configuration.GetSection("Mcp"));
        discovery(builder.Services);
        var host = new AsyncHost(builder.Build());
        try
        {
            await host.Host.StartAsync(Bounded());
            host.Started = true;
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>A host disposed asynchronously (the resolver of Microsoft.Extensions.ServiceDiscovery is IAsyncDisposable only).</summary>
    private sealed class AsyncHost(IHost host) : IAsyncDisposable
    {
        public IHost Host { get; } = host;

        public IServiceProvider Services => Host.Services;

        public bool Started { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (Started)
            {
                await Host.StopAsync(Bounded());
            }

            await ((IAsyncDisposable)Host).DisposeAsync();
        }
    }
}
