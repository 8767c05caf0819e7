using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using static Cortex.Mcp.Fast.IntegrationTests.Interop.Operations.OperationsClient;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Operations;

/// <summary>Every MCP operation of the client against the official TypeScript reference server (server-everything,
/// pinned in tests/interop), which implements prompts, completion, logging and structured output itself.</summary>
[Collection(EverythingServerGroup.Name)]
public sealed class EverythingOperationsTests(EverythingServerFixture server)
{
    [Fact]
    public async Task GetServerInfo_ReturnsWhatInitializeSaid()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var info = await client.GetServerInfoAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Equal("mcp-servers/everything", info.Name);
        Assert.Equal("Everything Reference Server", info.Title);
        Assert.False(string.IsNullOrEmpty(info.Version));
        Assert.Contains("Everything Server", info.Instructions, StringComparison.Ordinal);
        Assert.Equal("2025-11-25", info.ProtocolVersion);
        var caps = info.Capabilities;
        Assert.True(caps.Tools && caps.ToolsListChanged);
        Assert.True(caps.Prompts && caps.PromptsListChanged);
        Assert.True(caps.Resources && caps.ResourcesSubscribe && caps.ResourcesListChanged);
        Assert.True(caps.Logging && caps.Completions);
    }

    [Fact]
    public async Task ListTools_CarriesTitleOutputSchemaAndAnnotations()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var tools = new List<McpToolInfo>();
        await foreach (var tool in client.EnumerateToolsAsync("mcp").WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            tools.Add(tool);
        }

        var structured = Assert.Single(tools, t => t.Name == "get-structured-content");
        Assert.Equal("Get Structured Content Tool", structured.Title);
        Assert.True(structured.OutputSchema!.Value.GetProperty("properties").TryGetProperty("temperature", out _));
        var echo = Assert.Single(tools, t => t.Name == "echo");
        Assert.Equal("Echo Tool", echo.Title);
        Assert.Null(echo.OutputSchema);
        Assert.True(echo.Annotations!.ReadOnlyHint);
        Assert.False(echo.Annotations.DestructiveHint);
    }

    [Fact]
    public async Task CallTool_Typed_ReadsStructuredContent()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var weather = await client.CallToolAsync("mcp", "get-structured-content", new LocationArgs { Location = "Chicago" }, EverythingJson.Default.LocationArgs, EverythingJson.Default.EverythingWeather)
            .AsTask().WaitAsync(Bound);
        Assert.Equal(36, weather!.Temperature);
        Assert.Equal("Light rain / drizzle", weather.Conditions);
        Assert.Equal(82, weather.Humidity);
    }

    [Fact]
    public async Task ListResourcesAndTemplates_ReadTheServerLists()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var resources = await client.ListResourcesAsync("mcp").AsTask().WaitAsync(Bound);
        var architecture = Assert.Single(resources, r => r.Uri == "demo://resource/static/document/architecture.md");
        Assert.Equal("architecture.md", architecture.Name);
        Assert.Equal("text/markdown", architecture.MimeType);
        Assert.NotNull(architecture.Description);

        var templates = await client.ListResourceTemplatesAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Contains(templates, t => t.UriTemplate == "demo://resource/dynamic/text/{resourceId}" && t.MimeType == "text/plain");
    }

    [Fact]
    public async Task ListPromptsAndGetPrompt_RenderArguments()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var prompts = await client.ListPromptsAsync("mcp").AsTask().WaitAsync(Bound);
        var args = Assert.Single(prompts, p => p.Name == "args-prompt");
        Assert.Equal("Arguments Prompt", args.Title);
        Assert.Collection(
            args.Arguments,
            city => Assert.True(city.Name == "city" && city.Required),
            state => Assert.True(state.Name == "state" && !state.Required));

        var rendered = await client.GetPromptAsync("mcp", "args-prompt", new Dictionary<string, string> { ["city"] = "Paris" }).AsTask().WaitAsync(Bound);
        var message = Assert.Single(rendered.Messages);
        Assert.Equal("user", message.Role);
        Assert.Contains("Paris", message.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_PromptAndResourceTemplateArguments()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var department = await client.CompleteAsync("mcp", McpCompletionReference.ForPrompt("completable-prompt"), "department", "E").AsTask().WaitAsync(Bound);
        Assert.Equal(["Engineering"], department.Values);
        Assert.False(department.HasMore);

        var id = await client.CompleteAsync("mcp", McpCompletionReference.ForResourceTemplate("demo://resource/dynamic/text/{resourceId}"), "resourceId", "1")
            .AsTask().WaitAsync(Bound);
        Assert.Contains("1", id.Values);
    }

    [Fact]
    public async Task Ping_Succeeds()
    {
        await using var client = await CreateAsync(server.Endpoint);
        await client.PingAsync("mcp").AsTask().WaitAsync(Bound);
    }

    [Fact]
    public async Task SetLoggingLevel_ThenSimulatedLogging_DeliversLogMessages()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var logs = new BlockingCollection<McpLogMessage>();
        using var registration = client.RegisterLogHandler("mcp", logs.Add);
        await client.SetLoggingLevelAsync("mcp", McpLoggingLevel.Debug).AsTask().WaitAsync(Bound);

        // The server logs at random levels outside any request (on the standalone stream): once now, then every 5 s.
        using (await client.CallToolAsync("mcp", "toggle-simulated-logging").AsTask().WaitAsync(Bound))
        {
        }

        Assert.True(logs.TryTake(out var line, Bound), "no log message within the bound");
        Assert.Contains("message", line!.Data.GetString(), StringComparison.Ordinal);
        Assert.True(Enum.IsDefined(line.Level));
    }
}

public sealed class LocationArgs
{
    public string Location { get; set; } = string.Empty;
}

public sealed class EverythingWeather
{
    public double Temperature { get; set; }

    public string Conditions { get; set; } = string.Empty;

    public double Humidity { get; set; }
}

[JsonSerializable(typeof(LocationArgs))]
[JsonSerializable(typeof(EverythingWeather))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class EverythingJson : JsonSerializerContext;
