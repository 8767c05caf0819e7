using System.Diagnostics.Metrics;
using System.Text.Json;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Testing;
using Microsoft.Extensions.DependencyInjection;
using static Cortex.Mcp.Fast.Hosting.Tests.TestHosts;

namespace Cortex.Mcp.Fast.Hosting.Tests;

/// <summary>The container's <see cref="IMeterFactory"/> reaches the client: its measurements come from that factory's meter.</summary>
public sealed class HostedTelemetryTests
{
    [Fact]
    public async Task AddNetworkMcpClient_MeterFactoryInContainer_ClientRecordsOnItsMeter()
    {
        using var factory = new RecordingMeterFactory();
        await using var service = await TestMcpService.StartAsync(cancellationToken: Bounded());
        var seen = new List<object?>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == McpTelemetry.Name && instrument.Name == "mcp.client.operation.duration")
            {
                l.EnableMeasurementEvents(instrument, instrument.Meter.Scope);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, _, scope) =>
        {
            lock (seen)
            {
                seen.Add(scope);
            }
        });
        listener.Start();
        using var host = Build(
            Settings(("Services:memory:Endpoint", service.BaseAddress.ToString())),
            services: s => s.AddSingleton<IMeterFactory>(factory));
        await host.StartAsync(Bounded());

        var client = host.Services.GetRequiredService<NetworkMcpClient>();
        using (await client.CallToolAsync("memory", "echo", JsonDocument.Parse("{}").RootElement, cancellationToken: Bounded()))
        {
        }

        Assert.Same(factory, BuildOf(host.Services).Options.MeterFactory);
        Assert.Single(factory.Meters);
        lock (seen)
        {
            Assert.Contains(factory, seen);
        }

        await host.StopAsync(Bounded());
    }

    private sealed class RecordingMeterFactory : IMeterFactory
    {
        public List<Meter> Meters { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
            lock (Meters)
            {
                Meters.Add(meter);
            }

            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Meters)
            {
                meter.Dispose();
            }
        }
    }
}
