using System.Collections.Concurrent;
using Cortex.Mcp.Fast.IntegrationTests.Client;
using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Pipeline;

/// <summary>
/// A service's static headers (<see cref="HttpOptions.Headers"/>) and a call's own
/// (<see cref="ToolCallOptions.Headers"/>, <see cref="McpRequestOptions.Headers"/>) reach the server over real
/// sockets, on both engines and both protocols; an <c>Authorization</c> that a token provider owns is refused.
/// </summary>
public abstract class RequestHeaderTests(HttpEngineKind engine)
{
    [Fact]
    public async Task Rest_StaticHeadersOnEveryCall_CallHeadersOnlyOnTheirCall()
    {
        var seen = new ConcurrentQueue<(string Path, string ApiKey, string RequestId)>();
        await using var h = await ClientHarness.StartAsync(engine, o => o.DefaultServiceOptions.Http.Headers.Add("X-Api-Key", "k-static"));
        Record(h.Service, seen);

        using (var first = await h.Within(h.Call("echo", """{"a":1}""", new ToolCallOptions { Headers = new RequestHeaders { { "X-Request-Id", "r-1" } } }).AsTask()))
        {
            Assert.Equal(1, first.Json.GetProperty("echo").GetProperty("a").GetInt32());
        }

        using (await h.Within(h.Call("echo").AsTask()))
        {
        }

        Assert.Equal([("/tool/echo", "k-static", "r-1"), ("/tool/echo", "k-static", "")], seen.ToArray());
    }

    [Fact]
    public async Task Mcp_StaticHeadersOnEveryRequest_CallAndListHeadersOnTheirPost()
    {
        var seen = new ConcurrentQueue<(string Path, string ApiKey, string RequestId)>();
        await using var h = await ClientHarness.StartAsync(
            engine,
            o =>
            {
                o.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
                o.DefaultServiceOptions.Http.Headers["X-Api-Key"] = "k-static";
            },
            new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse });
        await h.Discovery.RegisterAsync("svc", h.Service.McpAddress);
        Record(h.Service, seen);

        using (await h.Within(h.Call("echo", "{}", new ToolCallOptions { Headers = new RequestHeaders { ["X-Request-Id"] = "call-1" } }).AsTask()))
        {
        }

        var page = await h.Client.ListToolsPageAsync("svc", options: new McpRequestOptions { Headers = new RequestHeaders { ["X-Request-Id"] = "list-1" } }, cancellationToken: h.Timeout).AsTask().WaitAsync(h.Timeout);
        Assert.NotEmpty(page.Items);

        var requests = seen.ToArray();
        Assert.True(requests.Length >= 3, $"initialize, tools/call and tools/list at least; saw {requests.Length}");
        Assert.All(requests, r => Assert.Equal("k-static", r.ApiKey));
        Assert.Equal(["call-1", "list-1"], requests.Where(r => r.RequestId.Length > 0).Select(r => r.RequestId));
    }

    [Fact]
    public async Task CallAuthorization_WhenATokenProviderOwnsIt_IsRefusedBeforeAnythingIsSent()
    {
        await using var h = await ClientHarness.StartAsync(
            engine,
            o => o.DefaultServiceOptions.Http.BearerTokenProvider = BearerTokenProvider.FromStatic("provider-token"),
            new TestMcpServiceOptions { RequiredBearerToken = "provider-token" });

        var error = Assert.IsAssignableFrom<ServiceCallException>(await h.FailureOf(
            h.Call("echo", "{}", new ToolCallOptions { Headers = new RequestHeaders { ["Authorization"] = "Bearer caller-token" } }).AsTask()));

        Assert.True(error.RequestNotSent);
        Assert.Contains("BearerTokenProvider", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("caller-token", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, h.Service.Counters.TotalToolRequests);
        using var ok = await h.Within(h.Call("echo").AsTask()); // the provider's own header still works
    }

    [Fact]
    public async Task CallAuthorization_WithoutATokenProvider_IsSent()
    {
        await using var h = await ClientHarness.StartAsync(engine, serviceOptions: new TestMcpServiceOptions { RequiredBearerToken = "caller-token" });

        using var result = await h.Within(h.Call("echo", "{}", new ToolCallOptions { Headers = new RequestHeaders { ["Authorization"] = "Bearer caller-token" } }).AsTask());

        Assert.Equal(1, h.Service.Counters.TotalToolRequests);
    }

    private static void Record(TestMcpService service, ConcurrentQueue<(string Path, string ApiKey, string RequestId)> seen) =>
        service.Faults.Intercept = context =>
        {
            if (!HttpMethods.IsDelete(context.Request.Method))
            {
                seen.Enqueue((context.Request.Path.Value ?? "", context.Request.Headers["X-Api-Key"].ToString(), context.Request.Headers["X-Request-Id"].ToString()));
            }

            return ValueTask.FromResult(false);
        };
}

/// <summary><see cref="RequestHeaderTests"/> on <see cref="SocketsHttpHandler"/>.</summary>
public sealed class RequestHeaderTestsOnSocketsHttpHandler() : RequestHeaderTests(HttpEngineKind.SocketsHttpHandler);

/// <summary><see cref="RequestHeaderTests"/> on the direct engine (static headers pre-encoded per target).</summary>
public sealed class RequestHeaderTestsOnDirectEngine() : RequestHeaderTests(HttpEngineKind.Direct);
