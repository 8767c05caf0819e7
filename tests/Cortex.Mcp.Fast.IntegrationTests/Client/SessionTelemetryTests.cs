using System.Collections.Concurrent;
using System.Diagnostics;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Testing;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>
/// <c>mcp.session.id</c> and <c>mcp.protocol.version</c> on the spans of Streamable HTTP operations (MCP semantic
/// conventions), checked against the headers the test service actually received, through the real OpenTelemetry SDK
/// and its in-memory exporter, on both HTTP engines. Other tests share the process-wide source, so every assertion
/// selects this test's spans by trace id.
/// </summary>
public sealed class SessionTelemetryTests
{
    private static readonly ActivitySource s_parentSource = new("Cortex.Mcp.Fast.Tests.SessionParent");

    [Theory]
    [InlineData(HttpEngineKind.SocketsHttpHandler)]
    [InlineData(HttpEngineKind.Direct)]
    public async Task StreamableHttpSpans_CarrySessionIdAndProtocolVersion_RestSpansCarryNeither(HttpEngineKind engine)
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(McpTelemetry.Name, s_parentSource.Name)
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(spans)
            .Build();
        await using var h = await ClientHarness.StartAsync(
            engine,
            o => o.Services["mcp"] = new McpServiceOptions { Protocol = McpProtocol.StreamableHttp, Http = { Engine = engine } },
            new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse });
        await h.Discovery.RegisterAsync("mcp", h.Service.McpAddress);
        var sessionIds = new ConcurrentQueue<string>();
        var versions = new ConcurrentQueue<string>();
        h.Service.Faults.Intercept = context =>
        {
            if (context.Request.Headers.TryGetValue("Mcp-Session-Id", out var id))
            {
                sessionIds.Enqueue(id.ToString());
            }

            if (context.Request.Headers.TryGetValue("MCP-Protocol-Version", out var version))
            {
                versions.Enqueue(version.ToString());
            }

            return ValueTask.FromResult(false);
        };

        ActivityTraceId trace;
        using (var root = s_parentSource.StartActivity("caller"))
        {
            Assert.NotNull(root);
            trace = root.TraceId;
            (await h.Within(h.Call("echo").AsTask())).Dispose(); // "svc": REST
            (await h.Within(h.Client.CallToolAsync("mcp", "echo", ClientHarness.Json("{}"), null, h.Timeout).AsTask())).Dispose();
            Assert.NotEmpty(await h.Within(h.Client.ListToolsAsync("mcp", h.Timeout).AsTask()));
            Assert.Null(root.GetTagItem("mcp.session.id")); // the caller's own span is never tagged
            Assert.Null(root.GetTagItem("mcp.protocol.version"));
        }

        // The server saw one session and one negotiated version on every request after initialize.
        var sessionId = Assert.Single(sessionIds.Distinct());
        var protocolVersion = Assert.Single(versions.Distinct());
        Assert.False(string.IsNullOrEmpty(sessionId));

        Assert.True(tracing.ForceFlush(30_000));
        List<Activity> ours;
        lock (spans)
        {
            ours = spans.Where(s => s.TraceId == trace && s.Source.Name == McpTelemetry.Name).ToList();
        }

        var mcp = ours.Where(s => (string?)s.GetTagItem("cortex.mcp.service") == "mcp").ToList();
        Assert.Equal(["tools/call echo", "tools/list"], mcp.Select(s => s.DisplayName).Order(StringComparer.Ordinal));
        Assert.All(mcp, s =>
        {
            Assert.Equal(sessionId, s.GetTagItem("mcp.session.id"));
            Assert.Equal(protocolVersion, s.GetTagItem("mcp.protocol.version"));
        });

        var rest = Assert.Single(ours, s => (string?)s.GetTagItem("cortex.mcp.service") == "svc");
        Assert.Equal("tools/call echo", rest.DisplayName);
        Assert.Null(rest.GetTagItem("mcp.session.id"));
        Assert.Null(rest.GetTagItem("mcp.protocol.version"));
    }

    [Fact]
    public async Task StatelessServer_SpansCarryTheProtocolVersionButNoSessionId()
    {
        var spans = new List<Activity>();
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(McpTelemetry.Name, s_parentSource.Name)
            .SetSampler(new AlwaysOnSampler())
            .AddInMemoryExporter(spans)
            .Build();
        await using var h = await ClientHarness.StartAsync(o => o.Services["mcp"] = new McpServiceOptions { Protocol = McpProtocol.StreamableHttp });
        await h.Discovery.RegisterAsync("mcp", h.Service.McpAddress);

        ActivityTraceId trace;
        using (var root = s_parentSource.StartActivity("caller"))
        {
            Assert.NotNull(root);
            trace = root.TraceId;
            (await h.Within(h.Client.CallToolAsync("mcp", "echo", ClientHarness.Json("{}"), null, h.Timeout).AsTask())).Dispose();
        }

        Assert.True(tracing.ForceFlush(30_000));
        Activity span;
        lock (spans)
        {
            span = Assert.Single(spans, s => s.TraceId == trace && s.Source.Name == McpTelemetry.Name);
        }

        Assert.Null(span.GetTagItem("mcp.session.id"));
        Assert.False(string.IsNullOrEmpty(span.GetTagItem("mcp.protocol.version") as string));
    }
}
