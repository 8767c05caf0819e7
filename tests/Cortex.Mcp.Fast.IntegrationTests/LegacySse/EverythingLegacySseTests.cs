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

    [Fact]
    public async Task PingAndPrompts_OverLegacySse_Succeed()
    {
        await using var client = await LegacyClients.CreateAsync(Service, server.SseEndpoint, McpProtocol.LegacySse);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await client.PingAsync(Service, cancellationToken: timeout.Token);
        var prompts = await client.ListPromptsAsync(Service, cancellationToken: timeout.Token);
        Assert.Contains(prompts, p => p.Name == "simple-prompt");
        var prompt = await client.GetPromptAsync(Service, "simple-prompt", cancellationToken: timeout.Token);
        Assert.NotEmpty(prompt.Messages);
    }

    [Fact]
    public async Task SamplingDuringCall_OverLegacySse_AnsweredByTypedHandler()
    {
        var calls = 0;
        await using var client = await LegacyClients.CreateAsync(Service, server.SseEndpoint, McpProtocol.LegacySse, o => o.SamplingHandler = (request, _) =>
        {
            Interlocked.Increment(ref calls);
            Assert.Equal(Service, request.Service);
            return ValueTask.FromResult(new McpSamplingResult { Content = McpContentBlock.FromText("sampled over legacy"), Model = "legacy-model", StopReason = "endTurn" });
        });
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // The server's sampling/createMessage arrives on the legacy stream; the answer is POSTed to the message URL.
        using var args = JsonDocument.Parse("""{"prompt":"hello legacy","maxTokens":5}""");
        using var result = await client.CallToolAsync(Service, "trigger-sampling-request", args.RootElement, cancellationToken: timeout.Token);
        var text = result.ToString();
        Assert.Contains("legacy-model", text, StringComparison.Ordinal);
        Assert.Contains("sampled over legacy", text, StringComparison.Ordinal);
        Assert.Equal(1, Volatile.Read(ref calls));
    }
}
