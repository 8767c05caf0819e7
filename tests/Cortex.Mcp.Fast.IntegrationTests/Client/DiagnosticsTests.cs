using System.Diagnostics.Metrics;
using Cortex.Mcp.Fast.Diagnostics;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>GetDiagnostics (the seed's DiagnosticMcpClient) and the Meter named Cortex.Mcp.Fast.</summary>
public sealed class DiagnosticsTests
{
    [Fact]
    public async Task GetDiagnostics_CountsCallsPerToolWithDurationsAndPoolState()
    {
        await using var h = await ClientHarness.StartAsync();
        h.Service.Faults.FailNext("add", 1, 400);
        for (var i = 0; i < 3; i++)
        {
            (await h.Within(h.Call("echo").AsTask())).Dispose();
        }

        await h.FailureOf(h.Call("add", """{"a":1,"b":2}""").AsTask());
        (await h.Within(h.Call("add", """{"a":1,"b":2}""").AsTask())).Dispose();

        var service = h.Client.GetDiagnostics().Services["svc"];
        var echo = service.Tools["echo"];
        var add = service.Tools["add"];
        Assert.Equal((3, 3, 0), (echo.Calls, echo.Successes, echo.Failures));
        Assert.Equal((2, 1, 1), (add.Calls, add.Successes, add.Failures));
        Assert.True(echo.MinDuration > TimeSpan.Zero && echo.MinDuration <= echo.MeanDuration && echo.MeanDuration <= echo.MaxDuration);
        Assert.InRange((echo.TotalDuration - (echo.MeanDuration * 3)).Duration(), TimeSpan.Zero, TimeSpan.FromTicks(3));
        Assert.Equal(0, service.QueueDepth);
        Assert.True(service.OpenConnections >= 1);
        Assert.Equal(h.Service.BaseAddress, service.Endpoint);
    }

    [Fact]
    public async Task Meter_RecordsCallDurationsWithServiceAndToolTags()
    {
        var measurements = new List<(double Value, string? Service, string? Tool)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == McpTelemetry.Name && instrument.Name == "mcp.client.operation.duration")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, value, tags, _) =>
        {
            string? service = null, tool = null;
            foreach (var tag in tags)
            {
                service = tag.Key == "cortex.mcp.service" ? tag.Value as string : service;
                tool = tag.Key == "gen_ai.tool.name" ? tag.Value as string : tool;
            }

            lock (measurements)
            {
                measurements.Add((value, service, tool));
            }
        });
        listener.Start();
        await using var h = await ClientHarness.StartAsync();

        (await h.Within(h.Call("echo").AsTask())).Dispose();

        lock (measurements)
        {
            Assert.Contains(measurements, m => m.Service == "svc" && m.Tool == "echo" && m.Value > 0);
        }
    }
}

/// <summary>An Activity per call, with its W3C trace context on the outgoing request.</summary>
public sealed class TracingTests
{
    [Fact]
    public async Task Call_WithListener_StartsAClientActivityAndPropagatesTraceparent()
    {
        var stopped = new List<System.Diagnostics.Activity>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == McpTelemetry.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (stopped)
                {
                    stopped.Add(activity);
                }
            },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        await using var h = await ClientHarness.StartAsync();
        string? traceparent = null;
        h.Service.Faults.Intercept = context =>
        {
            traceparent ??= context.Request.Headers["traceparent"].ToString();
            return ValueTask.FromResult(false);
        };

        (await h.Within(h.Call("echo").AsTask())).Dispose();

        // The listener is process-wide and other tests make calls too: find ours by the trace id our service saw.
        Assert.False(string.IsNullOrEmpty(traceparent));
        System.Diagnostics.Activity activity;
        lock (stopped)
        {
            activity = Assert.Single(stopped, a => traceparent.Contains(a.TraceId.ToHexString(), StringComparison.Ordinal));
        }

        Assert.Equal(System.Diagnostics.ActivityKind.Client, activity.Kind);
        Assert.Equal("svc", activity.GetTagItem("cortex.mcp.service"));
        Assert.Equal("echo", activity.GetTagItem("gen_ai.tool.name"));
    }
}
