using System.Diagnostics;
using System.Diagnostics.Metrics;
using Cortex.Mcp.Fast.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>
/// The real OpenTelemetry SDK (in-memory exporters) against a loopback test service: metric names, units, attributes
/// and bucket advice from the MCP semantic conventions, and Client spans named <c>{mcp.method.name} {target}</c>
/// under the caller's activity. Other tests run in parallel on the same process-wide source and meter, so every
/// assertion selects this test's data by its trace id or its service's port.
/// </summary>
public sealed class OpenTelemetryTests
{
    private static readonly ActivitySource s_parentSource = new("Cortex.Mcp.Fast.Tests.Parent");

    [Fact]
    public async Task Sdk_ToolCallsListsAndReads_ExportConventionalSpans()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(McpTelemetry.Name, s_parentSource.Name)
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(spans)
            .Build();
        await using var h = await StartAsync();
        h.Service.Faults.FailNext("add", 1, 400);
        var port = h.Service.BaseAddress.Port;

        ActivityContext parent;
        using (var root = s_parentSource.StartActivity("caller"))
        {
            Assert.NotNull(root);
            parent = root.Context;
            (await h.Within(h.Call("echo").AsTask())).Dispose();
            var failure = await h.FailureOf(h.Call("add", """{"a":1,"b":2}""", new ToolCallOptions { MaxRetries = 0 }).AsTask());
            Assert.Equal(400, Assert.IsAssignableFrom<ServiceCallException>(failure).StatusCode);
            Assert.NotEmpty(await h.Within(h.Client.ListToolsAsync("mcp", h.Timeout).AsTask()));
            await foreach (var item in h.Client.GetResourceAsync("svc", "events/3", h.Timeout))
            {
                _ = item;
            }
        }

        Assert.True(tracing.ForceFlush(30_000));
        List<Activity> ours;
        lock (spans)
        {
            ours = spans.Where(s => s.TraceId == parent.TraceId && s.Source.Name == McpTelemetry.Name).ToList();
        }

        Assert.Equal(["resources/read", "tools/call add", "tools/call echo", "tools/list"], ours.Select(s => s.DisplayName).Order(StringComparer.Ordinal));
        foreach (var span in ours)
        {
            Assert.Equal(ActivityKind.Client, span.Kind);
            Assert.Equal(parent.SpanId, span.ParentSpanId); // parentage from the caller's Activity.Current
            Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
            Assert.Equal(port, span.GetTagItem("server.port"));
            Assert.Equal("tcp", span.GetTagItem("network.transport"));
            Assert.Equal("http", span.GetTagItem("network.protocol.name"));
            Assert.Equal(span.DisplayName == "tools/list" ? "mcp" : "svc", span.GetTagItem("cortex.mcp.service"));
            Assert.Null(span.GetTagItem("mcp.service"));
        }

        var echo = ours.Single(s => s.DisplayName == "tools/call echo");
        Assert.Equal("tools/call", echo.GetTagItem("mcp.method.name"));
        Assert.Equal("echo", echo.GetTagItem("gen_ai.tool.name"));
        Assert.Equal("execute_tool", echo.GetTagItem("gen_ai.operation.name"));
        Assert.Equal(ActivityStatusCode.Unset, echo.Status);
        Assert.Null(echo.GetTagItem("error.type"));

        var add = ours.Single(s => s.DisplayName == "tools/call add");
        Assert.Equal(ActivityStatusCode.Error, add.Status);
        Assert.Equal("400", add.GetTagItem("error.type"));

        Assert.Equal("tools/list", ours.Single(s => s.DisplayName == "tools/list").GetTagItem("mcp.method.name"));
        var read = ours.Single(s => s.DisplayName == "resources/read");
        Assert.Equal("resources/read", read.GetTagItem("mcp.method.name"));
        Assert.Equal("events/3", read.GetTagItem("mcp.resource.uri"));
    }

    [Fact]
    public async Task Sdk_Operations_ExportConventionalMetricsWithBucketAdviceAndObservableState()
    {
        var metrics = new List<Metric>();
        using var meters = Sdk.CreateMeterProviderBuilder()
            .AddMeter(McpTelemetry.Name)
            .AddInMemoryExporter(metrics)
            .Build();
        await using var h = await StartAsync();
        h.Service.Faults.FailNext("add", 1, 400);
        var port = h.Service.BaseAddress.Port;

        (await h.Within(h.Call("echo").AsTask())).Dispose();
        (await h.Within(h.Call("echo").AsTask())).Dispose();
        await h.FailureOf(h.Call("add", """{"a":1,"b":2}""", new ToolCallOptions { MaxRetries = 0 }).AsTask());
        Assert.NotEmpty(await h.Within(h.Client.ListToolsAsync("mcp", h.Timeout).AsTask()));

        Assert.True(meters.ForceFlush(30_000));
        var duration = Single(metrics, "mcp.client.operation.duration");
        Assert.Equal("s", duration.Unit);
        Assert.Equal(MetricType.Histogram, duration.MetricType);
        var points = Points(duration, port);
        var echo = Assert.Single(points, p => Tag(p, "gen_ai.tool.name") as string == "echo");
        Assert.All(points, p => Assert.Contains(Tag(p, "cortex.mcp.service") as string, new[] { "svc", "mcp" }));
        Assert.Equal(2, echo.GetHistogramCount());
        Assert.Equal("tools/call", Tag(echo, "mcp.method.name"));
        Assert.Equal("127.0.0.1", Tag(echo, "server.address"));
        Assert.Equal("tcp", Tag(echo, "network.transport"));
        Assert.Equal("svc", Tag(echo, "cortex.mcp.service"));
        Assert.Null(Tag(echo, "error.type"));
        var bounds = new List<double>();
        foreach (var bucket in echo.GetHistogramBuckets())
        {
            bounds.Add(bucket.ExplicitBound);
        }

        Assert.Equal(0.0001, bounds[0]); // bucket advice for sub-millisecond calls, not the SDK's 0/5/10 ms… defaults
        Assert.Equal(10, bounds[^2]);
        var add = Assert.Single(points, p => Tag(p, "gen_ai.tool.name") as string == "add");
        Assert.Equal("400", Tag(add, "error.type"));
        Assert.Equal(1, add.GetHistogramCount());
        Assert.Single(points, p => Tag(p, "mcp.method.name") as string == "tools/list" && Tag(p, "gen_ai.tool.name") is null);
        Assert.All(points, p => Assert.Null(Tag(p, "mcp.session.id"))); // never a metric attribute (cardinality)

        // Observable state, one series per service ("svc" and "mcp" share the test service's port).
        var depth = Single(metrics, "cortex.mcp.client.queue.depth");
        Assert.Equal("{call}", depth.Unit);
        Assert.All(Points(depth, port, "svc").Concat(Points(depth, port, "mcp")), p => Assert.Equal(0, p.GetSumLong()));
        Assert.Equal(0, Assert.Single(Points(Single(metrics, "cortex.mcp.client.active_calls"), port, "svc")).GetSumLong());
        Assert.Equal(0, Assert.Single(Points(Single(metrics, "cortex.mcp.client.retries"), port, "svc")).GetSumLong());
        var states = Points(Single(metrics, "cortex.mcp.client.breaker.state"), port, "svc");
        Assert.Equal(
            [("closed", 1L), ("half_open", 0L), ("open", 0L)],
            states.Select(p => ((string)Tag(p, "cortex.mcp.breaker.state")!, p.GetSumLong())).Order());

        // The session ends when the client stops: one measurement of its lifetime.
        await h.Client.DisposeAsync();
        Assert.True(meters.ForceFlush(30_000));
        var session = Single(metrics, "mcp.client.session.duration");
        Assert.Equal("s", session.Unit);
        Assert.Equal(1, Assert.Single(Points(session, port, "svc")).GetHistogramCount());
        Assert.Equal(1, Assert.Single(Points(session, port, "mcp")).GetHistogramCount());
    }

    [Fact]
    public async Task MeterFactory_Set_InstrumentsComeFromTheFactorysMeter()
    {
        using var factory = new TestMeterFactory();
        var seen = new List<(object? Scope, string Tool)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == McpTelemetry.Name && instrument.Name == "mcp.client.operation.duration")
            {
                l.EnableMeasurementEvents(instrument, instrument.Meter.Scope);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, state) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "gen_ai.tool.name" && tag.Value is string tool)
                {
                    lock (seen)
                    {
                        seen.Add((state, tool));
                    }
                }
            }
        });
        listener.Start();
        await using var h = await ClientHarness.StartAsync(o => o.MeterFactory = factory);

        (await h.Within(h.Call("echo").AsTask())).Dispose();

        Assert.Single(factory.Meters);
        lock (seen)
        {
            Assert.Contains((factory, "echo"), seen);
        }
    }

    /// <summary>The harness's REST service "svc", plus "mcp": the same test service over MCP Streamable HTTP.</summary>
    private static async Task<ClientHarness> StartAsync()
    {
        var h = await ClientHarness.StartAsync(o => o.Services["mcp"] = new McpServiceOptions { Protocol = McpProtocol.StreamableHttp });
        await h.Discovery.RegisterAsync("mcp", h.Service.McpAddress);
        return h;
    }

    private static Metric Single(List<Metric> metrics, string name)
    {
        lock (metrics)
        {
            return metrics.Last(m => m.Name == name);
        }
    }

    private static List<MetricPoint> Points(Metric metric, int port, string? service = null)
    {
        var points = new List<MetricPoint>();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            if (Tag(point, "server.port") is int p && p == port && (service is null || Tag(point, "cortex.mcp.service") as string == service))
            {
                points.Add(point);
            }
        }

        return points;
    }

    private static object? Tag(in MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }

    /// <summary>What a host's <see cref="IMeterFactory"/> does: meters scoped to the factory, disposed with it.</summary>
    private sealed class TestMeterFactory : IMeterFactory
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
