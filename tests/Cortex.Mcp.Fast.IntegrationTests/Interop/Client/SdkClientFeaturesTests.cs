using System.Text.Json;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Client;

/// <summary>Sampling, elicitation, roots and the configured clientInfo against the official C# SDK server.</summary>
public sealed class SdkClientFeaturesTests(SdkClientFeaturesServerFixture server) : IClassFixture<SdkClientFeaturesServerFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private async Task<NetworkMcpClient> CreateClientAsync(Action<McpOptions> configure)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("sdk", server.Endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        options.DefaultServiceOptions.Retry.MaxRetries = 0;
        configure(options.DefaultServiceOptions.Mcp);
        return new NetworkMcpClient(options);
    }

    private static async Task<string> CallTextAsync(NetworkMcpClient client, string tool, string arguments = "{}")
    {
        using var result = await client.CallToolAsync("sdk", tool, JsonDocument.Parse(arguments).RootElement).AsTask().WaitAsync(Bound);
        return result.Json.GetProperty("content")[0].GetProperty("text").GetString()!;
    }

    [Fact]
    public async Task ClientInfo_Configured_ServerSeesNameVersionTitle_AndExactlyTheDeclaredCapabilities()
    {
        await using var client = await CreateClientAsync(o =>
        {
            o.ClientName = "interop-agent";
            o.ClientVersion = "9.8.7";
            o.ClientTitle = "Interop Agent";
            o.RootsHandler = (_, _) => ValueTask.FromResult<IReadOnlyList<McpRoot>>([]);
        });
        Assert.Equal(
            "name=interop-agent;version=9.8.7;title=Interop Agent;sampling=False;elicitation=False;roots=True;rootsListChanged=True",
            await CallTextAsync(client, "whoami"));
    }

    [Fact]
    public async Task ClientInfo_Defaults_LibraryNameAndNoCapabilities()
    {
        await using var client = await CreateClientAsync(_ => { });
        var text = await CallTextAsync(client, "whoami");
        Assert.StartsWith("name=Cortex.Mcp.Fast;version=", text, StringComparison.Ordinal);
        Assert.EndsWith(";title=-;sampling=False;elicitation=False;roots=False;rootsListChanged=", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sampling_SdkServer_GetsTheHandlersMessage()
    {
        McpSamplingRequest? seen = null;
        await using var client = await CreateClientAsync(o => o.SamplingHandler = (request, _) =>
        {
            seen = request;
            return ValueTask.FromResult(new McpSamplingResult { Content = McpContentBlock.FromText("echo:" + request.Messages[0].Content[0].Text), Model = "cortex-test-model" });
        });

        Assert.Equal("model=cortex-test-model;text=echo:hi sdk", await CallTextAsync(client, "sample", """{"prompt":"hi sdk"}"""));
        Assert.Equal(11, seen!.MaxTokens);
        Assert.Equal("sdk system prompt", seen.SystemPrompt);
    }

    [Fact]
    public async Task Elicitation_SdkServer_DefaultsFillWhatTheHandlerLeftUnset()
    {
        await using var client = await CreateClientAsync(o =>
        {
            o.ApplyElicitationDefaults = true;
            o.ElicitationHandler = (_, _) => ValueTask.FromResult(McpElicitationResult.Accept(new Dictionary<string, JsonElement>
            {
                ["color"] = JsonSerializer.SerializeToElement("red"),
            }));
        });

        // "note" has no default and was not set: it stays absent.
        Assert.Equal("action=accept;content=color=\"red\",count=3", await CallTextAsync(client, "elicit"));
    }

    [Fact]
    public async Task Elicitation_HandlerThrows_ServerGetsInternalError_NotOurText()
    {
        await using var client = await CreateClientAsync(o => o.ElicitationHandler = (_, _) => throw new InvalidOperationException("secret local detail"));

        // The SDK server relays our -32603 answer as the tool call's own JSON-RPC error.
        var ex = await Assert.ThrowsAsync<McpErrorException>(() => client.CallToolAsync("sdk", "elicit", JsonDocument.Parse("{}").RootElement).AsTask().WaitAsync(Bound));
        Assert.Contains("The client failed to handle the request.", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret local detail", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Roots_SdkServer_ListsTheHandlersRoots()
    {
        await using var client = await CreateClientAsync(o => o.RootsHandler = (request, _) =>
            ValueTask.FromResult<IReadOnlyList<McpRoot>>([new McpRoot { Uri = "file:///srv/" + request.Service, Name = "service root" }, new McpRoot { Uri = "file:///tmp" }]));
        Assert.Equal("file:///srv/sdk|service root,file:///tmp|-", await CallTextAsync(client, "roots"));
    }
}
