#pragma warning disable MCP9005 // logging is deprecated from revision 2026-07-28 (SEP-2577); 2025-11-25 servers, which these tests speak, still offer it
using System.Collections.Concurrent;
using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Operations;

/// <summary>
/// The official C# SDK server (stateful, Kestrel on 127.0.0.1 port 0) serving every MCP operation the client
/// offers besides tool calls: a paged resource list (25 resources, 10 per page), resource templates whose second page
/// repeats its cursor (a hostile pager), prompts, completion, logging, and a structured-output tool. It records
/// what it received so that tests can assert the wire, not just the client's view.
/// </summary>
public class SdkOperationsServerFixture : IAsyncLifetime
{
    private readonly HttpServerSessionMode _mode;

    /// <summary>A stateful server (sessions, standalone stream).</summary>
    public SdkOperationsServerFixture()
        : this(HttpServerSessionMode.Stateful)
    {
    }

    /// <summary>A server in <paramref name="mode"/>.</summary>
    protected SdkOperationsServerFixture(HttpServerSessionMode mode) => _mode = mode;

    /// <summary>Resources served by the paged list.</summary>
    public const int ResourceCount = 25;

    /// <summary>Resources per page.</summary>
    public const int PageSize = 10;

    public const string Instructions = "Call weather for forecasts; prompts greet people.";

    private WebApplication? _app;
    private McpServer? _loggingSession;
    private int _resourceListRequests;

    /// <summary>The MCP endpoint, <c>http://127.0.0.1:{port}/mcp</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <summary>resources/list requests served so far.</summary>
    public int ResourceListRequests => Volatile.Read(ref _resourceListRequests);

    /// <summary>The levels received by logging/setLevel, in order.</summary>
    public ConcurrentQueue<LoggingLevel> LevelsSet { get; } = new();

    /// <summary>The <c>_meta</c> of every completion/complete request, in order.</summary>
    public ConcurrentQueue<JsonObject?> CompletionMeta { get; } = new();

    /// <summary>Completes when the next logging/setLevel arrived (its session can then send notifications).</summary>
    public TaskCompletionSource LevelSet { get; private set; } = NewSignal();

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SdkOperationsServerFixture).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services
            .AddMcpServer(o =>
            {
                o.ServerInfo = new Implementation { Name = "cortex-ops-sdk", Version = "2.0.0", Title = "Operations server" };
                o.ServerInstructions = Instructions;
            })
            .WithHttpTransport(o => o.SessionMode = _mode)
            .WithTools<SdkOperationsTools>()
            .WithPrompts<SdkOperationsPrompts>()
            .WithListResourcesHandler((request, _) =>
            {
                Interlocked.Increment(ref _resourceListRequests);
                var start = request.Params?.Cursor is { } cursor ? int.Parse(cursor, CultureInfo.InvariantCulture) : 0;
                var end = Math.Min(start + PageSize, ResourceCount);
                var page = new ListResourcesResult
                {
                    Resources = [.. Enumerable.Range(start, end - start).Select(i => new Resource { Uri = $"test://ops/{i}", Name = $"r{i}", MimeType = "text/plain", Size = i })],
                    NextCursor = end < ResourceCount ? end.ToString(CultureInfo.InvariantCulture) : null,
                };
                return ValueTask.FromResult(page);
            })
            .WithListResourceTemplatesHandler((request, _) => ValueTask.FromResult(request.Params?.Cursor is null
                ? new ListResourceTemplatesResult { ResourceTemplates = [new ResourceTemplate { UriTemplate = "test://ops/{n}", Name = "first" }], NextCursor = "again" }
                : new ListResourceTemplatesResult { ResourceTemplates = [new ResourceTemplate { UriTemplate = "test://other/{n}", Name = "second" }], NextCursor = "again" }))
            .WithCompleteHandler((request, _) =>
            {
                CompletionMeta.Enqueue(request.Params?.Meta?.DeepClone() as JsonObject);
                var prefix = request.Params!.Argument.Value;
                string[] all = ["alpha", "alpine", "beta"];
                var values = all.Where(v => v.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                return ValueTask.FromResult(new CompleteResult { Completion = new Completion { Values = values, Total = values.Count + 10, HasMore = true } });
            })
            .WithSetLoggingLevelHandler((request, _) =>
            {
                LevelsSet.Enqueue(request.Params!.Level);
                _loggingSession = request.Server;
                LevelSet.TrySetResult();
                return ValueTask.FromResult(new EmptyResult());
            });

        _app = builder.Build();
        _app.MapMcp("/mcp");
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Endpoint = new Uri(new Uri(address), "/mcp");
    }

    /// <summary>Arms <see cref="LevelSet"/> for the next logging/setLevel.</summary>
    public void ExpectLevelSet() => LevelSet = NewSignal();

    /// <summary>Sends a notification (outside any request: on the standalone stream) through the session that last set its level.</summary>
    public Task NotifyAsync(string method, object? @params = null) =>
        _loggingSession!.SendNotificationAsync(method, @params is null ? null : JsonSerializer.SerializeToNode(@params));

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(cts.Token);
            await _app.DisposeAsync();
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The same server without sessions: it also serves revision 2026-07-28 (no initialize, Mcp-* headers).</summary>
public sealed class SdkOperationsStatelessServerFixture() : SdkOperationsServerFixture(HttpServerSessionMode.Stateless);

/// <summary>A weather report (the structured output of <see cref="SdkOperationsTools.Weather"/>).</summary>
public sealed class WeatherReport
{
    public string City { get; set; } = string.Empty;

    public double Temperature { get; set; }

    public string Conditions { get; set; } = string.Empty;
}

/// <summary>Tools of <see cref="SdkOperationsServerFixture"/>.</summary>
[McpServerToolType]
public sealed class SdkOperationsTools
{
    /// <summary>Structured output (outputSchema + structuredContent), with annotations.</summary>
    [McpServerTool(Name = "weather", Title = "Weather report", UseStructuredContent = true, ReadOnly = true, Idempotent = true, Destructive = false, OpenWorld = false)]
    [Description("Reports the weather of a city")]
    public static WeatherReport Weather(string city) => new() { City = city, Temperature = 21.5, Conditions = "Sunny" };

    /// <summary>Sends one log line on the request's own stream, then answers.</summary>
    [McpServerTool(Name = "log"), Description("Logs a line")]
    public static async Task<string> Log(RequestContext<CallToolRequestParams> context, string text)
    {
        await context.Server.SendNotificationAsync(
            NotificationMethods.LoggingMessageNotification,
            new LoggingMessageNotificationParams { Level = LoggingLevel.Warning, Logger = "ops", Data = JsonSerializer.SerializeToElement(text) });
        return "logged";
    }
}

/// <summary>Prompts of <see cref="SdkOperationsServerFixture"/>.</summary>
[McpServerPromptType]
public sealed class SdkOperationsPrompts
{
    /// <summary>One user message.</summary>
    [McpServerPrompt(Name = "greet", Title = "Greeting"), Description("Greets someone")]
    public static string Greet([Description("Who to greet")] string name) => $"Hello, {name}!";
}
