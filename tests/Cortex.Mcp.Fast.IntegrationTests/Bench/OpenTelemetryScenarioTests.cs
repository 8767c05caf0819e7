using Cortex.Mcp.Fast.Bench.Headline;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Bench;

/// <summary>
/// The cortex-*-otel headline contenders: the OpenTelemetry SDK is on only between the runner's round hooks, its
/// spans and metrics reach the discarding exporters, and the contender is compared with its twin without telemetry.
/// Not a measurement.
/// </summary>
public sealed class OpenTelemetryScenarioTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("cortex-rest-otel", "cortex-rest")]
    [InlineData("cortex-mcp-otel", "cortex-mcp")]
    public async Task OtelContender_ListensOnlyBetweenRoundHooks_AndExportsItsCalls(string name, string twin)
    {
        const int calls = 20;
        await using var service = await TestMcpService.StartAsync();
        var endpoints = new ScenarioEndpoints(service.BaseAddress, service.McpAddress);
        await using var created = await Scenarios.CreateAsync(name, endpoints, 1, CancellationToken.None).WaitAsync(Bound);
        var scenario = Assert.IsType<OpenTelemetryScenario>(created);
        Assert.Equal(name, scenario.Name);
        Assert.Equal(twin, scenario.Baseline);
        Assert.False(scenario.Listening);

        await scenario.BeginRoundAsync(CancellationToken.None);
        Assert.True(scenario.Listening);
        for (var i = 0; i < calls; i++)
        {
            await scenario.CallAsync(CancellationToken.None).AsTask().WaitAsync(Bound);
        }

        await scenario.EndRoundAsync();
        Assert.False(scenario.Listening);

        // Disposing the providers flushed them: at least this test's spans (other tests' clients may add theirs
        // while the listener is on: it is process-wide) and one metric collection.
        var spans = scenario.ExportedSpans;
        Assert.True(spans >= calls, $"{spans} spans exported for {calls} calls");
        Assert.True(scenario.ExportedMetrics > 0);

        // Off again: calls after the round reach no exporter.
        for (var i = 0; i < calls; i++)
        {
            await scenario.CallAsync(CancellationToken.None).AsTask().WaitAsync(Bound);
        }

        Assert.Equal(spans, scenario.ExportedSpans);

        // A second round turns it back on.
        await scenario.BeginRoundAsync(CancellationToken.None);
        await scenario.CallAsync(CancellationToken.None).AsTask().WaitAsync(Bound);
        await scenario.EndRoundAsync();
        Assert.True(scenario.ExportedSpans > spans);
    }
}
