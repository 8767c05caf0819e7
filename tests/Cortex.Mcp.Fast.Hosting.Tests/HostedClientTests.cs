using System.Text.Json;
using Cortex.Mcp.Fast.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static Cortex.Mcp.Fast.Hosting.Tests.TestHosts;

namespace Cortex.Mcp.Fast.Hosting.Tests;

/// <summary>The client from the container calls real services (Kestrel on 127.0.0.1, port 0) configured by keys.</summary>
public sealed class HostedClientTests
{
    private static readonly JsonElement s_args = JsonDocument.Parse("""{"n":1}""").RootElement;

    [Fact]
    public async Task CallToolAsync_RestEndpointFromConfiguration_ReachesTheService()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        using var host = Build(Settings(("Services:memory:Endpoint", service.BaseAddress.ToString()), ("Services:memory:CallTimeout", "00:00:10")));
        await host.StartAsync(Bounded());

        var client = host.Services.GetRequiredService<NetworkMcpClient>();
        using var result = await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded());

        Assert.Equal(1, result.Json.GetProperty("echo").GetProperty("n").GetInt32());
        Assert.Equal(1, service.Counters.ToolRequests("echo"));
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task CallToolAsync_StreamableHttpFromConfiguration_SpeaksMcp()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        using var host = Build(Settings(("Services:docs:Endpoint", service.McpAddress.ToString()), ("Services:docs:Protocol", "StreamableHttp")));
        await host.StartAsync(Bounded());

        var client = host.Services.GetRequiredService<NetworkMcpClient>();
        var tools = await client.ListToolsAsync("docs", Bounded());

        Assert.Contains(tools, t => t.Name == "echo");
        Assert.Equal(0, service.Counters.TotalToolRequests); // no REST tool route was used
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Reload_EndpointChanged_MovesTheServiceToTheNewEndpoint()
    {
        await using var first = await TestMcpService.StartAsync(cancellationToken: Bounded());
        await using var second = await TestMcpService.StartAsync(cancellationToken: Bounded());
        using var host = Build(Settings(("Services:memory:Endpoint", first.BaseAddress.ToString())));
        await host.StartAsync(Bounded());
        var client = host.Services.GetRequiredService<NetworkMcpClient>();
        using (await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded()))
        {
        }

        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        configuration["Mcp:Services:memory:Endpoint"] = second.BaseAddress.ToString();
        configuration.Reload();
        using (await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded()))
        {
        }

        Assert.Equal(1, first.Counters.ToolRequests("echo"));
        Assert.Equal(1, second.Counters.ToolRequests("echo"));
        Assert.Equal(second.BaseAddress, client.GetDiagnostics().Services["memory"].Endpoint);
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task EndpointsList_FromConfiguration_CallsGoToEveryEndpoint_AndAReloadChangesTheList()
    {
        await using var first = await TestMcpService.StartAsync(cancellationToken: Bounded());
        await using var second = await TestMcpService.StartAsync(cancellationToken: Bounded());
        await using var third = await TestMcpService.StartAsync(cancellationToken: Bounded());
        using var host = Build(Settings(
            ("Services:memory:Endpoints:0", first.BaseAddress.ToString()),
            ("Services:memory:Endpoints:1", second.BaseAddress.ToString()),
            ("Services:memory:Queue:FullMode", "Wait")));
        await host.StartAsync(Bounded());
        var client = host.Services.GetRequiredService<NetworkMcpClient>();
        for (var i = 0; i < 40; i++)
        {
            using (await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded()))
            {
            }
        }

        // Balanced over both (each pick is between two idle endpoints: one of them getting none is ~2 in a trillion).
        Assert.True(first.Counters.ToolRequests("echo") > 0 && second.Counters.ToolRequests("echo") > 0,
            $"first {first.Counters.ToolRequests("echo")}, second {second.Counters.ToolRequests("echo")}");
        Assert.Equal(40, first.Counters.ToolRequests("echo") + second.Counters.ToolRequests("echo"));

        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        configuration["Mcp:Services:memory:Endpoints:0"] = third.BaseAddress.ToString();
        configuration["Mcp:Services:memory:Endpoints:1"] = null;
        configuration.Reload();
        for (var i = 0; i < 10; i++)
        {
            using (await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded()))
            {
            }
        }

        Assert.Equal(10, third.Counters.ToolRequests("echo"));
        Assert.Equal(40, first.Counters.ToolRequests("echo") + second.Counters.ToolRequests("echo"));
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task EndpointAndEndpoints_Together_AreAStartUpErrorNamingTheService()
    {
        using var host = Build(Settings(
            ("Services:memory:Endpoint", "http://127.0.0.1:9/"),
            ("Services:memory:Endpoints:0", "http://127.0.0.1:10/")));

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync(Bounded()));

        Assert.Contains("Mcp:Services:memory: set Endpoint or Endpoints, not both.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reload_BadEndpoint_KeepsTheOldOne()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        using var host = Build(Settings(("Services:memory:Endpoint", service.BaseAddress.ToString())));
        await host.StartAsync(Bounded());
        var client = host.Services.GetRequiredService<NetworkMcpClient>();

        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        configuration["Mcp:Services:memory:Endpoint"] = "ftp://127.0.0.1/";
        configuration.Reload();
        using (await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded()))
        {
        }

        Assert.Equal(1, service.Counters.ToolRequests("echo"));
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Reload_EndpointRemoved_ServiceIsNoLongerFound()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        using var host = Build(Settings(("Services:memory:Endpoint", service.BaseAddress.ToString()), ("Services:memory:CallTimeout", "00:00:10")));
        await host.StartAsync(Bounded());
        var client = host.Services.GetRequiredService<NetworkMcpClient>();

        var configuration = (IConfigurationRoot)host.Services.GetRequiredService<IConfiguration>();
        configuration["Mcp:Services:memory:Endpoint"] = null;
        configuration.Reload();

        await Assert.ThrowsAsync<ServiceNotFoundException>(async () => await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded()));
        Assert.Equal(0, service.Counters.ToolRequests("echo"));
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Dispose_Host_DisposesTheClient()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        var host = Build(Settings(("Services:memory:Endpoint", service.BaseAddress.ToString())));
        await host.StartAsync(Bounded());
        var client = host.Services.GetRequiredService<NetworkMcpClient>();
        await host.StopAsync(Bounded());
        host.Dispose();

        await Assert.ThrowsAsync<ClientDisposedException>(async () => await client.CallToolAsync("memory", "echo", s_args, cancellationToken: Bounded()));
    }
}
