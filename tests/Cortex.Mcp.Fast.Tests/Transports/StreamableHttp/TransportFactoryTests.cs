using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public sealed class TransportFactoryTests
{
    [Theory]
    [InlineData("http://127.0.0.1:3001/mcp", McpProtocol.StreamableHttp)]
    [InlineData("http://127.0.0.1:3001/api/MCP/", McpProtocol.StreamableHttp)]
    [InlineData("http://127.0.0.1:3001/", McpProtocol.Rest)]
    [InlineData("http://127.0.0.1:3001/mcpserver", McpProtocol.Rest)]
    [InlineData("http://127.0.0.1:3001/v1/tools", McpProtocol.Rest)]
    public void Auto_DetectsFromTheLastPathSegment(string endpoint, McpProtocol expected) =>
        Assert.Equal(expected, TransportFactory.Resolve(McpProtocol.Auto, new Uri(endpoint)));

    [Fact]
    public void Explicit_IsKept() =>
        Assert.Equal(McpProtocol.Rest, TransportFactory.Resolve(McpProtocol.Rest, new Uri("http://h/mcp")));
}
