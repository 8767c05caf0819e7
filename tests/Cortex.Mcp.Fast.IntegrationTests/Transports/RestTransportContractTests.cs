using System.Text.Json;
using Cortex.Mcp.Fast.Errors;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Transports;

/// <summary>The transport contract for REST+SSE, plus what only REST has: no tools/list, no subscriptions.</summary>
public class RestTransportContractTests : TransportContractTests
{
    protected override McpProtocol Protocol => McpProtocol.Rest;

    protected override (string Path, int Items) Resource => ("events/3", 3);

    protected override string InvalidResourcePath => "../admin";

    protected override Uri EndpointFor(Uri baseAddress) => baseAddress;

    protected override JsonElement Echoed(ToolResult result) => result.Json.GetProperty("echo");

    protected override ValueTask<bool> IsToolCallAsync(HttpContext context) =>
        ValueTask.FromResult(context.Request.Path.StartsWithSegments("/tool", StringComparison.Ordinal));

    [Fact]
    public async Task ListTools_IsNotSupportedAndSendsNothing()
    {
        var transport = Create();

        var failure = await FailureOf(transport.ListToolsAsync(Timeout).AsTask());

        Assert.Equal(FailureShape.NotSupported, failure.Shape);
        Assert.True(failure.NotSent);
        Assert.Equal(0, Service.Counters.TotalRequests);
    }

    [Fact]
    public async Task SubscribeResource_IsNotSupportedAndSendsNothing()
    {
        var transport = Create();

        var failure = await FailureOf(Task.Run(async () =>
        {
            await foreach (var unused in transport.SubscribeResourceAsync("test://text/1", Timeout))
            {
            }
        }));

        Assert.Equal(FailureShape.NotSupported, failure.Shape);
        Assert.True(failure.NotSent);
        Assert.Equal(0, Service.Counters.TotalRequests);
    }

    [Fact]
    public async Task ReadResource_Refused_IsAStatusFailure()
    {
        var transport = Create();

        var failure = await FailureOf(Task.Run(async () =>
        {
            await foreach (var unused in transport.ReadResourceAsync("no-such-resource", static utf8 => utf8.Length, _ => { }, Timeout))
            {
            }
        }));

        Assert.Equal(FailureKind.HttpStatus, failure.Kind);
        Assert.Equal(404, failure.StatusCode);
    }
}

/// <summary>The same contract on the direct HTTP/1.1 engine.</summary>
public sealed class RestDirectTransportContractTests : RestTransportContractTests
{
    protected override HttpEngineKind Engine => HttpEngineKind.Direct;
}
