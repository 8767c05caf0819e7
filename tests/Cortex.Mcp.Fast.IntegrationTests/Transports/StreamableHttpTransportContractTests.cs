using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Transports;

/// <summary>The transport contract for MCP Streamable HTTP (the test service's stateless JSON endpoint), plus tools/list.</summary>
public class StreamableHttpTransportContractTests : TransportContractTests
{
    protected override McpProtocol Protocol => McpProtocol.StreamableHttp;

    protected override (string Path, int Items) Resource => ("test://text/1", 1);

    protected override string InvalidResourcePath => "not an absolute uri";

    protected override Uri EndpointFor(Uri baseAddress) => new(baseAddress, "mcp");

    protected override JsonElement Echoed(ToolResult result) => result.Json.GetProperty("structuredContent").GetProperty("echo");

    protected override async ValueTask<bool> IsToolCallAsync(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method)
        && context.Request.Path.StartsWithSegments("/mcp", StringComparison.Ordinal)
        && (await PeekBodyAsync(context)).Contains("\"tools/call\"", StringComparison.Ordinal);

    [Fact]
    public async Task ListTools_ReturnsTheServersTools()
    {
        var transport = Create();

        var tools = await transport.ListToolsAsync(Timeout);

        Assert.Contains(tools, t => t.Name == "echo");
    }
}

/// <summary>The same contract on the direct HTTP/1.1 engine.</summary>
public sealed class StreamableHttpDirectTransportContractTests : StreamableHttpTransportContractTests
{
    protected override HttpEngineKind Engine => HttpEngineKind.Direct;
}
