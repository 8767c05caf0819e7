using System.Text.Json;
using Cortex.Mcp.Fast.AI;
using Cortex.Mcp.Fast.Transports.StreamableHttp;
using Microsoft.Extensions.AI;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Client;

/// <summary>
/// Sampling, elicitation (form and URL modes, SEP-1034 defaults), roots and the AIFunction view against the
/// TypeScript reference server-everything, which offers its trigger tools only to a client that declared the matching
/// capability: what the server lists proves what the client declared.
/// </summary>
[Collection(EverythingServerGroup.Name)]
public sealed class EverythingClientFeaturesTests(EverythingServerFixture server)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static readonly string[] FeatureTools = ["trigger-sampling-request", "trigger-elicitation-request", "trigger-url-elicitation", "get-roots-list"];

    private async Task<NetworkMcpClient> CreateClientAsync(Action<McpOptions> configure)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("mcp", server.Endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        options.DefaultServiceOptions.Retry.MaxRetries = 0;
        configure(options.DefaultServiceOptions.Mcp);
        return new NetworkMcpClient(options);
    }

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static async Task<string[]> FeatureToolsOfferedAsync(NetworkMcpClient client)
    {
        var tools = await client.ListToolsAsync("mcp").AsTask().WaitAsync(Bound);
        return [.. FeatureTools.Where(name => tools.Any(t => t.Name == name))];
    }

    [Fact]
    public async Task Capabilities_NoHandlers_ServerOffersNoFeatureTool()
    {
        await using var client = await CreateClientAsync(_ => { });
        Assert.Empty(await FeatureToolsOfferedAsync(client));
    }

    [Fact]
    public async Task Capabilities_OnlySampling_ServerOffersOnlyTheSamplingTool()
    {
        await using var client = await CreateClientAsync(o => o.SamplingHandler = (_, _) => default);
        Assert.Equal(["trigger-sampling-request"], await FeatureToolsOfferedAsync(client));
    }

    [Fact]
    public async Task Capabilities_EveryHandlerAndUrlMode_ServerOffersEveryFeatureTool()
    {
        await using var client = await CreateClientAsync(o =>
        {
            o.SamplingHandler = (_, _) => default;
            o.ElicitationHandler = (_, _) => default;
            o.ElicitationModes = McpElicitationModes.Form | McpElicitationModes.Url;
            o.RootsHandler = (_, _) => default;
        });
        Assert.Equal(FeatureTools, await FeatureToolsOfferedAsync(client));
    }

    [Fact]
    public async Task Sampling_TriggerTool_HandlerSeesTypedRequest_AnswersOnce()
    {
        var calls = 0;
        McpSamplingRequest? seen = null;
        await using var client = await CreateClientAsync(o => o.SamplingHandler = (request, _) =>
        {
            Interlocked.Increment(ref calls);
            seen = request;
            return ValueTask.FromResult(new McpSamplingResult { Content = McpContentBlock.FromText("sampled by the test"), Model = "test-model-7", StopReason = "endTurn" });
        });

        using var result = await client.CallToolAsync("mcp", "trigger-sampling-request", Json("""{"prompt":"hello sampler","maxTokens":7}""")).AsTask().WaitAsync(Bound);

        var text = result.ToString();
        Assert.Contains("test-model-7", text, StringComparison.Ordinal);
        Assert.Contains("sampled by the test", text, StringComparison.Ordinal);
        Assert.Equal(1, Volatile.Read(ref calls));
        Assert.NotNull(seen);
        Assert.Equal("mcp", seen.Service);
        Assert.Equal(7, seen.MaxTokens);
        Assert.Equal("You are a helpful test server.", seen.SystemPrompt);
        var message = Assert.Single(seen.Messages);
        Assert.Equal("user", message.Role);
        Assert.Contains("hello sampler", Assert.Single(message.Content).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Elicitation_FormWithDefaults_ServerReceivesHandlerValuesAndSchemaDefaults()
    {
        McpElicitationRequest? seen = null;
        await using var client = await CreateClientAsync(o =>
        {
            o.ApplyElicitationDefaults = true;
            o.ElicitationHandler = (request, _) =>
            {
                seen = request;
                return ValueTask.FromResult(McpElicitationResult.Accept(new Dictionary<string, JsonElement>
                {
                    ["name"] = JsonSerializer.SerializeToElement("Ada Lovelace"),
                    ["integer"] = JsonSerializer.SerializeToElement(7),
                }));
            };
        });

        using var result = await client.CallToolAsync("mcp", "trigger-elicitation-request", Json("{}")).AsTask().WaitAsync(Bound);

        var text = result.ToString();
        Assert.Equal(McpElicitationMode.Form, seen!.Mode);
        Assert.Equal("string", seen.RequestedSchema.GetProperty("properties").GetProperty("name").GetProperty("type").GetString());
        Assert.Contains("- Name: Ada Lovelace", text, StringComparison.Ordinal);
        Assert.Contains("- Favorite Integer: 7", text, StringComparison.Ordinal);        // the handler's value wins
        Assert.Contains("- Favorite Number: 3.14", text, StringComparison.Ordinal);      // a default the handler left unset
        Assert.Contains("It was a dark and stormy night.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Elicitation_Decline_ServerSeesDecline()
    {
        await using var client = await CreateClientAsync(o => o.ElicitationHandler = (_, _) => ValueTask.FromResult(McpElicitationResult.Decline()));
        using var result = await client.CallToolAsync("mcp", "trigger-elicitation-request", Json("{}")).AsTask().WaitAsync(Bound);
        Assert.Contains("User declined to provide the requested information", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Elicitation_UrlMode_HandlerGetsUrlAndId_AcceptCompletes()
    {
        McpElicitationRequest? seen = null;
        await using var client = await CreateClientAsync(o =>
        {
            o.ElicitationModes = McpElicitationModes.Url;
            o.ElicitationHandler = (request, _) =>
            {
                seen = request;
                return ValueTask.FromResult(McpElicitationResult.Accept());
            };
        });

        using var result = await client.CallToolAsync("mcp", "trigger-url-elicitation", Json("""{"url":"https://example.test/consent","elicitationId":"el-42"}""")).AsTask().WaitAsync(Bound);

        Assert.Equal(McpElicitationMode.Url, seen!.Mode);
        Assert.Equal("https://example.test/consent", seen.Url);
        Assert.Equal("el-42", seen.ElicitationId);
        Assert.Contains("User completed the URL elicitation flow", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Roots_ListedThenChanged_ServerAsksAgainAfterTheNotification()
    {
        McpRoot[] roots = [new McpRoot { Uri = "file:///work/alpha", Name = "alpha" }];
        var asked = 0;
        await using var client = await CreateClientAsync(o => o.RootsHandler = (_, _) =>
        {
            Interlocked.Increment(ref asked);
            return ValueTask.FromResult<IReadOnlyList<McpRoot>>(Volatile.Read(ref roots));
        });
        await client.ConnectAsync("mcp").AsTask().WaitAsync(Bound);
        await UntilStandaloneStreamOpenAsync(client);

        Assert.Contains("file:///work/alpha", await RootsShownAsync(client, "file:///work/alpha"), StringComparison.Ordinal);
        var before = Volatile.Read(ref asked);

        Volatile.Write(ref roots, [new McpRoot { Uri = "file:///work/beta" }]);
        Assert.True(await client.NotifyRootsChangedAsync("mcp").AsTask().WaitAsync(Bound));

        Assert.Contains("file:///work/beta", await RootsShownAsync(client, "file:///work/beta"), StringComparison.Ordinal);
        Assert.True(Volatile.Read(ref asked) > before, "the server did not ask for the roots again");
    }

    [Fact]
    public async Task NotifyRootsChanged_WithoutRootsHandler_ThrowsTypedNotSupported()
    {
        await using var client = await CreateClientAsync(_ => { });
        var ex = await Assert.ThrowsAsync<ServiceCallException>(() => client.NotifyRootsChangedAsync("mcp").AsTask().WaitAsync(Bound));
        Assert.True(ex.RequestNotSent);
        Assert.Contains("RootsHandler", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AIFunctions_GetSum_InvokesThroughTheClient()
    {
        await using var client = await CreateClientAsync(_ => { });
        var functions = await client.ListAIFunctionsAsync("mcp").AsTask().WaitAsync(Bound);
        AIFunction sum = Assert.Single(functions, f => f.Name == "get-sum");
        Assert.False(string.IsNullOrEmpty(sum.Description));
        Assert.Equal(JsonValueKind.Object, sum.JsonSchema.GetProperty("properties").ValueKind);

        var result = await sum.InvokeAsync(new AIFunctionArguments { ["a"] = 2, ["b"] = JsonSerializer.SerializeToElement(3) }).AsTask().WaitAsync(Bound);

        var json = Assert.IsType<JsonElement>(result);
        Assert.Contains("The sum of 2 and 3 is 5.", json.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        // Through the client's own call path: the worker queue counted it like any other tool call.
        Assert.Equal(1, client.GetDiagnostics().Services["mcp"].Tools["get-sum"].Successes);
    }

    /// <summary>
    /// server-everything sends roots/list outside any request, on the standalone stream, and drops it when that
    /// stream is not open yet; each turn of this bounded loop is one real round trip, not a sleep.
    /// </summary>
    private static async Task UntilStandaloneStreamOpenAsync(NetworkMcpClient client)
    {
        var transport = Assert.IsType<StreamableHttpTransport>(client.GetTransport("mcp"));
        for (var turn = 0; turn < 200 && transport.StandaloneOpens == 0; turn++)
        {
            using var echo = await client.CallToolAsync("mcp", "echo", Json("""{"message":"tick"}""")).AsTask().WaitAsync(Bound);
        }

        Assert.True(transport.StandaloneOpens > 0, "the standalone stream never opened");
    }

    /// <summary>Calls get-roots-list until it shows <paramref name="expected"/>: the server stores our answer after it
    /// arrives, so the first call may still see the previous list. Bounded, one round trip per turn.</summary>
    private static async Task<string> RootsShownAsync(NetworkMcpClient client, string expected)
    {
        var text = string.Empty;
        for (var turn = 0; turn < 50 && !text.Contains(expected, StringComparison.Ordinal); turn++)
        {
            using var result = await client.CallToolAsync("mcp", "get-roots-list", Json("{}")).AsTask().WaitAsync(Bound);
            text = result.ToString();
        }

        return text;
    }
}
