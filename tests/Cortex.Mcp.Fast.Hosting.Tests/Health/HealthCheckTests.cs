using System.Text.Json;
using Cortex.Mcp.Fast.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using static Cortex.Mcp.Fast.Hosting.Tests.TestHosts;

namespace Cortex.Mcp.Fast.Hosting.Tests.Health;

/// <summary>One health check per configured service, read from the live client against real services.</summary>
public sealed class HealthCheckTests
{
    private static readonly JsonElement s_empty = JsonDocument.Parse("{}").RootElement;

    [Fact]
    public async Task Check_RegisteredPerConfiguredService_HealthyBeforeAndAfterCalls()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        using var host = Build(
            Settings(("Services:a:Endpoint", service.BaseAddress.ToString()), ("Services:b:Endpoint", service.BaseAddress.ToString())),
            configure: o => o.Services["c"] = new McpServiceOptions());
        await host.StartAsync(Bounded());
        var health = host.Services.GetRequiredService<HealthCheckService>();

        var before = await health.CheckHealthAsync(Bounded());
        Assert.Equal(["mcp:a", "mcp:b", "mcp:c"], before.Entries.Keys.Order(StringComparer.Ordinal));
        Assert.All(before.Entries.Values, e => Assert.Equal(HealthStatus.Healthy, e.Status));
        Assert.All(before.Entries.Values, e => Assert.Contains(McpClientServiceCollectionExtensions.HealthCheckTag, e.Tags));
        Assert.Equal("Not connected yet: the first call connects.", before.Entries["mcp:a"].Description);

        var client = host.Services.GetRequiredService<NetworkMcpClient>();
        using (await client.CallToolAsync("a", "echo", s_empty, cancellationToken: Bounded()))
        {
        }

        var after = (await health.CheckHealthAsync(Bounded())).Entries["mcp:a"];
        Assert.Equal(HealthStatus.Healthy, after.Status);
        Assert.Equal("Circuit closed; 0 of 1024 queue slots in use.", after.Description);
        Assert.Equal("Closed", after.Data["circuitState"]);
        Assert.Equal(1024, after.Data["queueCapacity"]);
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Check_BreakerOpen_Degraded()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        using var host = Build(Settings(
            ("Services:a:Endpoint", service.BaseAddress.ToString()),
            ("Services:a:Retry:MaxRetries", "0"),
            ("Services:a:CircuitBreaker:FailureThreshold", "2"),
            ("Services:a:CircuitBreaker:BreakDuration", "01:00:00")));
        await host.StartAsync(Bounded());
        var client = host.Services.GetRequiredService<NetworkMcpClient>();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        service.Faults.FailNext(TestFaults.AnyTool, 2, status: 503);

        await Assert.ThrowsAsync<ServiceCallException>(async () => await client.CallToolAsync("a", "echo", s_empty, cancellationToken: Bounded()));
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Bounded())).Entries["mcp:a"].Status); // one failure: still closed
        await Assert.ThrowsAsync<ServiceCallException>(async () => await client.CallToolAsync("a", "echo", s_empty, cancellationToken: Bounded()));

        var entry = (await health.CheckHealthAsync(Bounded())).Entries["mcp:a"];
        Assert.Equal(HealthStatus.Degraded, entry.Status);
        Assert.Equal("The circuit breaker is Open: calls fail fast until a probe succeeds.", entry.Description);
        Assert.Equal(2, entry.Data["consecutiveFailures"]);
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Check_QueueAtThreshold_DegradedUntilItDrains()
    {
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        using var host = Build(Settings(
            ("Services:a:Endpoint", service.BaseAddress.ToString()),
            ("Services:a:Queue:WorkerCount", "1"),
            ("Services:a:Queue:Capacity", "4"),
            ("Services:a:Queue:FullMode", "Wait"), // calls stay queued behind the gate (Shed would refuse a stalled queue)
            ("Health:QueueThreshold", "0.5")));
        await host.StartAsync(Bounded());
        var client = host.Services.GetRequiredService<NetworkMcpClient>();
        var health = host.Services.GetRequiredService<HealthCheckService>();
        await client.ConnectAsync("a", Bounded());

        service.Faults.Gate.Close();
        var held = client.CallToolAsync("a", "echo", s_empty, cancellationToken: Bounded()).AsTask();
        await service.Faults.Gate.WaitForWaitingAsync(1, Bounded()); // the only worker is busy now
        var queued = client.CallToolAsync("a", "echo", s_empty, cancellationToken: Bounded()).AsTask();

        var one = (await health.CheckHealthAsync(Bounded())).Entries["mcp:a"];
        Assert.Equal(HealthStatus.Healthy, one.Status); // 1 queued, threshold 2 (0.5 × 4)
        Assert.Equal(1, one.Data["queueDepth"]);

        var queuedToo = client.CallToolAsync("a", "echo", s_empty, cancellationToken: Bounded()).AsTask();
        var two = (await health.CheckHealthAsync(Bounded())).Entries["mcp:a"];
        Assert.Equal(HealthStatus.Degraded, two.Status);
        Assert.Equal("2 calls are queued, at or above the threshold of 2 (capacity 4).", two.Description);

        service.Faults.Gate.Release();
        foreach (var call in new[] { held, queued, queuedToo })
        {
            (await call).Dispose();
        }

        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(Bounded())).Entries["mcp:a"].Status);
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Check_NamedClient_NamesChecksAfterTheClient()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new Microsoft.Extensions.Hosting.HostApplicationBuilderSettings());
        Microsoft.Extensions.Configuration.MemoryConfigurationBuilderExtensions.AddInMemoryCollection(builder.Configuration, new Dictionary<string, string?>
        {
            ["Orders:Services:billing:Endpoint"] = "http://127.0.0.1:9/",
        });
        builder.Services.AddNetworkMcpClient("orders", builder.Configuration.GetSection("Orders"));
        using var host = builder.Build();
        await host.StartAsync(Bounded());

        var report = await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(Bounded());

        Assert.Equal("mcp:orders:billing", Assert.Single(report.Entries.Keys));
        await host.StopAsync(Bounded());
    }
}
