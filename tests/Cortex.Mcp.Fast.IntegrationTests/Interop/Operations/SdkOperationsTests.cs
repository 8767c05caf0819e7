#pragma warning disable MCP9005 // logging is deprecated from revision 2026-07-28 (SEP-2577); 2025-11-25 servers, which these tests speak, still offer it
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using ModelContextProtocol.Protocol;
using static Cortex.Mcp.Fast.IntegrationTests.Interop.Operations.OperationsClient;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Operations;

/// <summary>Every MCP operation of the client against the official C# SDK server, asserting both the client's
/// view and what the server received.</summary>
public sealed class SdkOperationsTests(SdkOperationsServerFixture server) : IClassFixture<SdkOperationsServerFixture>
{
    [Fact]
    public async Task GetServerInfo_ReturnsIdentityInstructionsCapabilitiesAndVersion()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var info = await client.GetServerInfoAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Equal("cortex-ops-sdk", info.Name);
        Assert.Equal("2.0.0", info.Version);
        Assert.Equal("Operations server", info.Title);
        Assert.Equal(SdkOperationsServerFixture.Instructions, info.Instructions);
        Assert.Equal("2025-11-25", info.ProtocolVersion);
        Assert.True(info.Capabilities.Tools);
        Assert.True(info.Capabilities.Prompts);
        Assert.True(info.Capabilities.Resources);
        Assert.True(info.Capabilities.Logging);
        Assert.True(info.Capabilities.Completions);
        Assert.Equal(JsonValueKind.Object, info.Capabilities.Json.ValueKind);
    }

    [Fact]
    public async Task ListTools_StructuredTool_HasTitleOutputSchemaAndAnnotations()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var page = await client.ListToolsPageAsync("mcp").AsTask().WaitAsync(Bound);
        var weather = Assert.Single(page.Items, t => t.Name == "weather");
        Assert.Null(page.NextCursor);
        Assert.Equal("Weather report", weather.Title);
        Assert.Equal("Reports the weather of a city", weather.Description);
        Assert.Equal("object", weather.OutputSchema!.Value.GetProperty("type").GetString());
        Assert.True(weather.OutputSchema.Value.GetProperty("properties").TryGetProperty("temperature", out _));
        Assert.NotNull(weather.Annotations);
        Assert.True(weather.Annotations!.ReadOnlyHint);
        Assert.True(weather.Annotations.IdempotentHint);
        Assert.False(weather.Annotations.DestructiveHint);
        Assert.False(weather.Annotations.OpenWorldHint);

        // The cached list carries the same members.
        var cached = await client.ListToolsAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Equal("Weather report", Assert.Single(cached, t => t.Name == "weather").Title);
    }

    [Fact]
    public async Task CallTool_Typed_ReadsStructuredContentNotTheEnvelope()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var report = await client.CallToolAsync("mcp", "weather", new CityArgs { City = "Oslo" }, OperationsJson.Default.CityArgs, OperationsJson.Default.WeatherReport)
            .AsTask().WaitAsync(Bound);
        Assert.NotNull(report);
        Assert.Equal("Oslo", report!.City);
        Assert.Equal(21.5, report.Temperature);
        Assert.Equal("Sunny", report.Conditions);

        using var raw = await client.CallToolAsync("mcp", "weather", JsonDocument.Parse("""{"city":"Rome"}""").RootElement).AsTask().WaitAsync(Bound);
        Assert.True(raw.TryGetStructuredContent(out var structured));
        Assert.Equal("Rome", structured.GetProperty("city").GetString());
        Assert.Equal("Rome", raw.DeserializeStructuredContent(OperationsJson.Default.WeatherReport)!.City);
    }

    [Fact]
    public async Task CallTool_WithoutStructuredContent_TryGetIsFalse()
    {
        await using var client = await CreateAsync(server.Endpoint);
        using var raw = await client.CallToolAsync("mcp", "log", JsonDocument.Parse("""{"text":"x"}""").RootElement).AsTask().WaitAsync(Bound);
        Assert.False(raw.TryGetStructuredContent(out _));
    }

    [Fact]
    public async Task ListResources_CollectsEveryPage()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var before = server.ResourceListRequests;
        var resources = await client.ListResourcesAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Equal(SdkOperationsServerFixture.ResourceCount, resources.Count);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => $"test://ops/{i}"), resources.Select(r => r.Uri));
        Assert.Equal("r7", resources[7].Name);
        Assert.Equal("text/plain", resources[7].MimeType);
        Assert.Equal(7, resources[7].Size);
        Assert.Equal(3, server.ResourceListRequests - before);
    }

    [Fact]
    public async Task ListResourcesPage_FollowsNextCursor()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var first = await client.ListResourcesPageAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Equal(SdkOperationsServerFixture.PageSize, first.Items.Count);
        Assert.Equal("10", first.NextCursor);
        var second = await client.ListResourcesPageAsync("mcp", first.NextCursor).AsTask().WaitAsync(Bound);
        Assert.Equal("test://ops/10", second.Items[0].Uri);
    }

    [Fact]
    public async Task EnumerateResources_PagesLazily()
    {
        await using var client = await CreateAsync(server.Endpoint);
        await client.ConnectAsync("mcp");
        var before = server.ResourceListRequests;
        var seen = new List<string>();
        await foreach (var resource in client.EnumerateResourcesAsync("mcp").WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            seen.Add(resource.Uri);
            if (seen.Count == 3)
            {
                break;
            }
        }

        Assert.Equal(["test://ops/0", "test://ops/1", "test://ops/2"], seen);
        Assert.Equal(1, server.ResourceListRequests - before); // the second page was never asked for

        var all = 0;
        await foreach (var _ in client.EnumerateResourcesAsync("mcp").WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            all++;
        }

        Assert.Equal(SdkOperationsServerFixture.ResourceCount, all);
    }

    [Fact]
    public async Task ListResources_MoreThanMaxListItems_ThrowsProtocolError()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var error = await Assert.ThrowsAsync<ServiceProtocolException>(() => client.ListResourcesAsync("mcp", new McpRequestOptions { MaxListItems = 15 }).AsTask().WaitAsync(Bound));
        Assert.Contains("more than 15 items", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListResources_MoreThanMaxListPages_ThrowsProtocolError()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var before = server.ResourceListRequests;
        var error = await Assert.ThrowsAsync<ServiceProtocolException>(() => client.ListResourcesAsync("mcp", new McpRequestOptions { MaxListPages = 2 }).AsTask().WaitAsync(Bound));
        Assert.Contains("more than 2 pages", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, server.ResourceListRequests - before);
    }

    [Fact]
    public async Task EnumerateResourceTemplates_RepeatedCursor_ThrowsOnThePageThatRepeatsIt()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var names = new List<string>();
        var error = await Assert.ThrowsAsync<ServiceProtocolException>(async () =>
        {
            await foreach (var template in client.EnumerateResourceTemplatesAsync("mcp").WithCancellation(new CancellationTokenSource(Bound).Token))
            {
                names.Add(template.Name);
            }
        });
        // The second page answers with the cursor it was asked for: it would page forever, so it is refused whole.
        Assert.Equal(["first"], names);
        Assert.Contains("cursor it was asked for", error.Message, StringComparison.Ordinal);
        Assert.Equal("test://ops/{n}", (await client.ListResourceTemplatesPageAsync("mcp").AsTask().WaitAsync(Bound)).Items[0].UriTemplate);
    }

    [Fact]
    public async Task ListPromptsAndGetPrompt_RenderTheMessage()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var prompts = await client.ListPromptsAsync("mcp").AsTask().WaitAsync(Bound);
        var greet = Assert.Single(prompts);
        Assert.Equal("greet", greet.Name);
        Assert.Equal("Greeting", greet.Title);
        var argument = Assert.Single(greet.Arguments);
        Assert.Equal("name", argument.Name);
        Assert.True(argument.Required);
        Assert.Equal("Who to greet", argument.Description);

        var result = await client.GetPromptAsync("mcp", "greet", new Dictionary<string, string> { ["name"] = "Ada" }).AsTask().WaitAsync(Bound);
        var message = Assert.Single(result.Messages);
        Assert.Equal("user", message.Role);
        Assert.Equal("text", message.ContentType);
        Assert.Equal("Hello, Ada!", message.Text);
        Assert.Equal("Hello, Ada!", message.Content.GetProperty("text").GetString());
    }

    [Fact]
    public async Task GetPrompt_Unknown_ThrowsMcpError()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var error = await Assert.ThrowsAsync<McpErrorException>(() => client.GetPromptAsync("mcp", "nope").AsTask().WaitAsync(Bound));
        Assert.Equal("prompts/get", error.Tool);
    }

    [Fact]
    public async Task Complete_SendsMetaAndTraceContext_AndReadsValues()
    {
        await using var client = await CreateAsync(server.Endpoint);
        using var activity = new Activity("cortex-test").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "vendor=1";
        var meta = JsonDocument.Parse("""{"com.example/tenant":"t1"}""").RootElement;
        var completion = await client.CompleteAsync("mcp", McpCompletionReference.ForPrompt("greet"), "name", "al", options: new McpRequestOptions { Meta = meta })
            .AsTask().WaitAsync(Bound);
        activity.Stop();

        Assert.Equal(["alpha", "alpine"], completion.Values);
        Assert.Equal(12, completion.Total);
        Assert.True(completion.HasMore);
        var seen = server.CompletionMeta.Last();
        Assert.NotNull(seen);
        Assert.Equal("t1", seen!["com.example/tenant"]!.GetValue<string>());
        Assert.Equal(activity.Id, seen["traceparent"]!.GetValue<string>());
        Assert.Equal("vendor=1", seen["tracestate"]!.GetValue<string>());
    }

    [Fact]
    public async Task Complete_TraceContextOff_SendsNoTraceparent()
    {
        await using var client = await CreateAsync(server.Endpoint);
        using var activity = new Activity("cortex-test").SetIdFormat(ActivityIdFormat.W3C).Start();
        await client.CompleteAsync("mcp", McpCompletionReference.ForResourceTemplate("test://ops/{n}"), "n", "b", options: new McpRequestOptions { PropagateTraceContext = false })
            .AsTask().WaitAsync(Bound);
        Assert.False(server.CompletionMeta.Last()?.ContainsKey("traceparent") ?? false);
    }

    [Fact]
    public async Task Meta_NotAnObject_RefusedBeforeSending()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var error = await Assert.ThrowsAsync<ServiceCallException>(() => client.PingAsync("mcp", new McpRequestOptions { Meta = JsonDocument.Parse("[1]").RootElement }).AsTask().WaitAsync(Bound));
        Assert.True(error.RequestNotSent);
    }

    [Fact]
    public async Task Ping_Succeeds()
    {
        await using var client = await CreateAsync(server.Endpoint);
        await client.PingAsync("mcp").AsTask().WaitAsync(Bound);
    }

    [Fact]
    public async Task SetLoggingLevel_ReachesServer_AndLogLinesReachTheHandler()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var logs = new BlockingCollection<McpLogMessage>();
        using var registration = client.RegisterLogHandler("mcp", logs.Add);
        server.ExpectLevelSet();
        await client.SetLoggingLevelAsync("mcp", McpLoggingLevel.Warning).AsTask().WaitAsync(Bound);
        await server.LevelSet.Task.WaitAsync(Bound);
        Assert.Equal(LoggingLevel.Warning, server.LevelsSet.Last());

        // A log line on the tool call's own reply stream.
        using (await client.CallToolAsync("mcp", "log", JsonDocument.Parse("""{"text":"on the reply"}""").RootElement).AsTask().WaitAsync(Bound))
        {
        }

        Assert.True(logs.TryTake(out var line, Bound));
        Assert.Equal(McpLoggingLevel.Warning, line!.Level);
        Assert.Equal("ops", line.Logger);
        Assert.Equal("on the reply", line.Data.GetString());

        // A log line outside any request travels on the standalone stream, kept open because a handler exists.
        await SendUntilReceivedAsync(
            () => server.NotifyAsync(NotificationMethods.LoggingMessageNotification, new LoggingMessageNotificationParams { Level = LoggingLevel.Error, Data = JsonSerializer.SerializeToElement("standalone") }),
            () => logs.TryTake(out line, TimeSpan.FromMilliseconds(200)) && line!.Data.GetString() == "standalone");
    }

    [Fact]
    public async Task NotificationHandlers_ListChanged_ReachTheHandlers_UntilDisposed()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var seen = new BlockingCollection<string>();
        var all = client.RegisterNotificationHandler("mcp", null, n => seen.Add($"all:{n.Method}:{Seq(n)}"));
        using var prompts = client.RegisterNotificationHandler("mcp", McpNotificationMethods.PromptsListChanged, n => seen.Add($"prompts:{Seq(n)}"));
        server.ExpectLevelSet();
        await client.SetLoggingLevelAsync("mcp", McpLoggingLevel.Debug).AsTask().WaitAsync(Bound);
        await server.LevelSet.Task.WaitAsync(Bound);

        var attempt = 0;
        var phase1 = new List<string>();
        await SendUntilReceivedAsync(
            () => server.NotifyAsync(NotificationMethods.PromptListChangedNotification, new { seq = (++attempt).ToString(System.Globalization.CultureInfo.InvariantCulture) }),
            () =>
            {
                while (seen.TryTake(out var item, TimeSpan.FromMilliseconds(200)))
                {
                    phase1.Add(item);
                    if (item.StartsWith("prompts:", StringComparison.Ordinal))
                    {
                        return true;
                    }
                }

                return false;
            });
        // Handlers run in registration order: the catch-all saw the same notice just before.
        var got = phase1[^1]["prompts:".Length..];
        Assert.Equal($"all:{McpNotificationMethods.PromptsListChanged}:{got}", phase1[^2]);

        all.Dispose();
        await server.NotifyAsync(NotificationMethods.ResourceListChangedNotification, new { seq = "final-r" });
        await server.NotifyAsync(NotificationMethods.PromptListChangedNotification, new { seq = "final" });
        // One stream, in order: once "prompts:final" arrived, the resources notice sent before it was routed too.
        var drained = DrainUntil(seen, "prompts:final");
        Assert.DoesNotContain(drained, item => item.EndsWith(":final-r", StringComparison.Ordinal) || item == $"all:{McpNotificationMethods.PromptsListChanged}:final");
    }

    private static string Seq(McpNotification notification) =>
        notification.Params.ValueKind == JsonValueKind.Object && notification.Params.TryGetProperty("seq", out var seq) ? seq.GetString() ?? "?" : "-";

    /// <summary>
    /// The standalone stream opens asynchronously after the first handler registers; a notification sent before it
    /// is open is lost (the server drops it), so the sender repeats until the handler saw one, within the bound.
    /// </summary>
    private static async Task SendUntilReceivedAsync(Func<Task> send, Func<bool> received)
    {
        using var bound = new CancellationTokenSource(Bound);
        while (true)
        {
            bound.Token.ThrowIfCancellationRequested();
            await send();
            if (received())
            {
                return;
            }
        }
    }

    private static List<string> DrainUntil(BlockingCollection<string> items, string wanted)
    {
        var taken = new List<string>();
        while (items.TryTake(out var item, Bound))
        {
            taken.Add(item);
            if (item == wanted)
            {
                return taken;
            }
        }

        throw new TimeoutException($"'{wanted}' never arrived; got {string.Join(", ", taken)}.");
    }
}

public sealed class CityArgs
{
    [JsonPropertyName("city")]
    public string City { get; set; } = string.Empty;
}

[JsonSerializable(typeof(CityArgs))]
[JsonSerializable(typeof(WeatherReport))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class OperationsJson : JsonSerializerContext;
