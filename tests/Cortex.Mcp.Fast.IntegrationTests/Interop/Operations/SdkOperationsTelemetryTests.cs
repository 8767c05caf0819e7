using System.Diagnostics;
using Cortex.Mcp.Fast.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using static Cortex.Mcp.Fast.IntegrationTests.Interop.Operations.OperationsClient;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Operations;

/// <summary>
/// Spans and metrics of operations other than tool calls (prompts/get with its target, a JSON-RPC error's
/// <c>error.type</c>) through the real OpenTelemetry SDK, against the official C# SDK server.
/// </summary>
public sealed class SdkOperationsTelemetryTests(SdkOperationsServerFixture server) : IClassFixture<SdkOperationsServerFixture>
{
    private static readonly ActivitySource s_parentSource = new("Cortex.Mcp.Fast.Tests.PromptParent");

    [Fact]
    public async Task GetPrompt_WithSdk_SpanNamedByPromptAndJsonRpcErrorCodeAsErrorType()
    {
        var spans = new List<Activity>();
        var metrics = new List<Metric>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(McpTelemetry.Name, s_parentSource.Name)
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(spans)
            .Build();
        using var meters = Sdk.CreateMeterProviderBuilder().AddMeter(McpTelemetry.Name).AddInMemoryExporter(metrics).Build();
        await using var client = await CreateAsync(server.Endpoint);

        ActivityContext parent;
        McpErrorException error;
        using (var root = s_parentSource.StartActivity("caller"))
        {
            Assert.NotNull(root);
            parent = root.Context;
            await client.GetPromptAsync("mcp", "greet", new Dictionary<string, string> { ["name"] = "Ada" }).AsTask().WaitAsync(Bound);
            error = await Assert.ThrowsAsync<McpErrorException>(() => client.GetPromptAsync("mcp", "nope").AsTask().WaitAsync(Bound));
        }

        Assert.True(tracing.ForceFlush(30_000));
        Assert.True(meters.ForceFlush(30_000));
        List<Activity> ours;
        lock (spans)
        {
            ours = spans.Where(s => s.TraceId == parent.TraceId && s.Source.Name == McpTelemetry.Name).ToList();
        }

        var greet = Assert.Single(ours, s => s.DisplayName == "prompts/get greet");
        Assert.Equal(ActivityKind.Client, greet.Kind);
        Assert.Equal(parent.SpanId, greet.ParentSpanId);
        Assert.Equal("prompts/get", greet.GetTagItem("mcp.method.name"));
        Assert.Equal("greet", greet.GetTagItem("gen_ai.prompt.name"));
        Assert.Equal(server.Endpoint.Port, greet.GetTagItem("server.port"));

        var nope = Assert.Single(ours, s => s.DisplayName == "prompts/get nope");
        var code = error.ErrorCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(code, nope.GetTagItem("error.type"));
        Assert.Equal(ActivityStatusCode.Error, nope.Status);
        Assert.Equal(error.Message, nope.StatusDescription);

        Metric duration;
        lock (metrics)
        {
            duration = metrics.Last(m => m.Name == "mcp.client.operation.duration");
        }

        var failed = 0L;
        foreach (ref readonly var point in duration.GetMetricPoints())
        {
            var tags = new Dictionary<string, object?>();
            foreach (var tag in point.Tags)
            {
                tags[tag.Key] = tag.Value;
            }

            if (Equals(tags.GetValueOrDefault("server.port"), server.Endpoint.Port) && Equals(tags.GetValueOrDefault("gen_ai.prompt.name"), "nope"))
            {
                Assert.Equal("prompts/get", tags["mcp.method.name"]);
                Assert.Equal(code, tags["error.type"]);
                failed += point.GetHistogramCount();
            }
        }

        Assert.Equal(1, failed);
    }
}
