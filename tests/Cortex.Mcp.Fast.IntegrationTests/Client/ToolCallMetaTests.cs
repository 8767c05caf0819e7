using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>
/// A tool call's <c>params._meta</c> over MCP Streamable HTTP: the caller's members and the W3C trace context of the
/// caller's activity (SEP-414), captured when the call is made although the attempt runs on a worker; an invalid
/// <see cref="ToolCallOptions.Meta"/> is refused before anything is sent.
/// </summary>
public sealed class ToolCallMetaTests : IAsyncLifetime, IAsyncDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly ConcurrentQueue<JsonElement> _toolCalls = new();
    private TestMcpService? _service;
    private NetworkMcpClient? _client;

    public async Task InitializeAsync()
    {
        _service = await TestMcpService.StartAsync();
        _service.Faults.Intercept = async context =>
        {
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/mcp", StringComparison.Ordinal))
            {
                context.Request.EnableBuffering();
                using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true);
                var body = await reader.ReadToEndAsync(context.RequestAborted);
                context.Request.Body.Position = 0;
                using var json = JsonDocument.Parse(body);
                if (json.RootElement.TryGetProperty("method", out var method) && method.GetString() == "tools/call")
                {
                    _toolCalls.Enqueue(json.RootElement.GetProperty("params").Clone());
                }
            }

            return false;
        };
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("mcp", _service.McpAddress);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        _client = new NetworkMcpClient(options);
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }

        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }

    [Fact]
    public async Task CallerMembersAndTraceContext_ReachTheServerInParamsMeta()
    {
        using var activity = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "vendor=1";
        using var meta = JsonDocument.Parse("""{"com.example/tenant":"t1"}""");

        using var result = await _client!.CallToolAsync("mcp", "echo", "{\"a\":1}"u8.ToArray(), new ToolCallOptions { Meta = meta.RootElement }, CancellationToken.None).AsTask().WaitAsync(Bound);

        var sent = Assert.Single(_toolCalls).GetProperty("_meta");
        Assert.Equal("t1", sent.GetProperty("com.example/tenant").GetString());
        Assert.Equal(activity.Id, sent.GetProperty("traceparent").GetString());
        Assert.Equal("vendor=1", sent.GetProperty("tracestate").GetString());
    }

    [Fact]
    public async Task TraceContextOff_AndNoMembers_SendsNoMeta()
    {
        using var activity = new Activity("caller").SetIdFormat(ActivityIdFormat.W3C).Start();

        using var result = await _client!.CallToolAsync("mcp", "echo", "{}"u8.ToArray(), new ToolCallOptions { PropagateTraceContext = false }, CancellationToken.None).AsTask().WaitAsync(Bound);

        Assert.False(Assert.Single(_toolCalls).TryGetProperty("_meta", out _));
    }

    [Fact]
    public async Task MetaThatIsNotAnObject_IsRefusedBeforeAnythingIsSent()
    {
        using var meta = JsonDocument.Parse("[1,2]");

        await Assert.ThrowsAsync<ArgumentException>(async () =>
            await _client!.CallToolAsync("mcp", "echo", "{}"u8.ToArray(), new ToolCallOptions { Meta = meta.RootElement }, CancellationToken.None));

        Assert.Empty(_toolCalls);
        Assert.Equal(0, _service!.Counters.TotalToolRequests);
    }
}
