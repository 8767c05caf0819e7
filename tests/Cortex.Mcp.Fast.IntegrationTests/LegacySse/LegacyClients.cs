using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast.IntegrationTests.LegacySse;

/// <summary>Clients and Kestrel hosts of the legacy HTTP+SSE tests.</summary>
internal static class LegacyClients
{
    /// <summary>A client with one service at <paramref name="endpoint"/> speaking <paramref name="protocol"/>.</summary>
    public static async Task<NetworkMcpClient> CreateAsync(string service, Uri endpoint, McpProtocol protocol, Action<McpOptions>? mcp = null)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync(service, endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        var serviceOptions = new McpServiceOptions { Protocol = protocol, CallTimeout = TimeSpan.FromSeconds(20) };
        mcp?.Invoke(serviceOptions.Mcp);
        options.Services[service] = serviceOptions;
        return new NetworkMcpClient(options);
    }

    /// <summary>Starts Kestrel on 127.0.0.1 port 0 with <paramref name="configure"/>'s services and <paramref name="map"/>'s routes.</summary>
    public static async Task<(WebApplication App, Uri BaseAddress)> StartKestrelAsync(Action<IServiceCollection> configure, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(LegacyClients).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        configure(builder.Services);
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new Uri(address));
    }

    /// <summary>Stops and disposes a host started by <see cref="StartKestrelAsync"/>, bounded.</summary>
    public static async Task StopAsync(WebApplication app)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await app.StopAsync(cts.Token);
        await app.DisposeAsync();
    }
}
