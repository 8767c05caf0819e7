using System.Text.Json;
using Cortex.Mcp.Fast.Transports.LegacySse;

namespace Cortex.Mcp.Fast.IntegrationTests.LegacySse;

/// <summary>
/// The legacy HTTP+SSE transport (2024-11-05) against the official reference server in its <c>sse</c> mode, over
/// real sockets on 127.0.0.1: chosen explicitly, and found by the backwards-compatibility probe (the reference
/// server answers the <c>initialize</c> POST to <c>/sse</c> with 404).
/// </summary>
public sealed class EverythingLegacySseTests(EverythingSseServerFixture server) : IClassFixture<EverythingSseServerFixture>
{
    private const string Service = "everything-sse";

    [Theory]
    [InlineData(McpProtocol.LegacySse)]
    [InlineData(McpProtocol.StreamableHttpOrLegacySse)]
    public async Task ListAndCallTools_OverLegacySse_Succeed(McpProtocol protocol)
    {
        await using var client = await LegacyClients.CreateAsync(Service, server.SseEndpoint, protocol);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var info = await client.GetServerInfoAsync(Service, timeout.Token);
        Assert.Equal(LegacySseTransport.ProtocolVersion, info.ProtocolVersion);

        var tools = await client.ListToolsAsync(Service, timeout.Token);
        Assert.Contains(tools, t => t.Name == "echo");
        Assert.Contains(tools, t => t.Name == "get-sum");

        using var echoArgs = JsonDocument.Parse("""{"message":"legacy hi"}""");
        using (var echo = await client.CallToolAsync(Service, "echo", echoArgs.RootElement, cancellationToken: timeout.Token))
        {
            Assert.Contains("Echo: legacy hi", echo.Json.GetRawText(), StringComparison.Ordinal);
        }

        // Several calls at once: every response arrives on the one stream and is matched by id.
        var sums = Enumerable.Range(1, 8).Select(async i =>
        {
            using var args = JsonDocument.Parse($$"""{"a":{{i}},"b":100}""");
            using var result = await client.CallToolAsync(Service, "get-sum", args.RootElement, cancellationToken: timeout.Token);
            return (i, text: result.Json.GetRawText());
        }).ToArray();
        foreach (var (i, text) in await Task.WhenAll(sums))
        {
            Assert.Contains($"The sum of {i} and 100 is {i + 100}.", text, StringComparison.Ordinal);
        }
    }
}
