using System.ComponentModel;
using System.Net;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Cortex.Mcp.Fast.Bench.Micro;

/// <summary>
/// <c>tools/list</c> (one page, five tools with schemas, uncached) and <c>prompts/get</c> through
/// <see cref="NetworkMcpClient"/> (dispatcher, breaker and deadline included) against the official C# SDK client
/// (<c>McpClient</c>, baseline), both talking to the same official SDK server (stateless, Kestrel on loopback) in
/// this process. Allocations therefore include the server's share, the same for both sides: compare the ratios.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class McpOperationsBenchmarks
{
    private const int Calls = 20;
    private static readonly Dictionary<string, string> s_promptArguments = new() { ["name"] = "Ada" };
    private static readonly Dictionary<string, object?> s_sdkPromptArguments = new() { ["name"] = "Ada" };

    private WebApplication _server = null!;
    private NetworkMcpClient _cortex = null!;
    private McpClient _sdk = null!;
    private HttpClient _sdkHttp = null!;

    [GlobalSetup]
    public void Setup()
    {
        var endpoint = StartServerAsync().GetAwaiter().GetResult();
        var discovery = new InMemoryServiceDiscovery();
        discovery.RegisterAsync("sdk", endpoint).AsTask().GetAwaiter().GetResult();
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        _cortex = new NetworkMcpClient(options);
        _cortex.ConnectAsync("sdk").AsTask().GetAwaiter().GetResult();

        _sdkHttp = new HttpClient(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false });
        var transport = new HttpClientTransport(
            new HttpClientTransportOptions { Endpoint = endpoint, TransportMode = HttpTransportMode.StreamableHttp, EnableStandaloneGetStream = false },
            _sdkHttp,
            loggerFactory: null,
            ownsHttpClient: false);
        _sdk = McpClient.CreateAsync(transport).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cortex.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _sdk.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _sdkHttp.Dispose();
        _server.StopAsync().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    [BenchmarkCategory("tools/list")]
    public async Task<int> SdkListTools()
    {
        var tools = 0;
        for (var i = 0; i < Calls; i++)
        {
            tools += (await _sdk.ListToolsAsync().ConfigureAwait(false)).Count;
        }

        return Check(tools, 5);
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    [BenchmarkCategory("tools/list")]
    public async Task<int> CortexListToolsPage()
    {
        var tools = 0;
        for (var i = 0; i < Calls; i++)
        {
            tools += (await _cortex.ListToolsPageAsync("sdk").ConfigureAwait(false)).Items.Count;
        }

        return Check(tools, 5);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    [BenchmarkCategory("prompts/get")]
    public async Task<int> SdkGetPrompt()
    {
        var messages = 0;
        for (var i = 0; i < Calls; i++)
        {
            messages += (await _sdk.GetPromptAsync("greet", s_sdkPromptArguments).ConfigureAwait(false)).Messages.Count;
        }

        return Check(messages, 1);
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    [BenchmarkCategory("prompts/get")]
    public async Task<int> CortexGetPrompt()
    {
        var messages = 0;
        for (var i = 0; i < Calls; i++)
        {
            messages += (await _cortex.GetPromptAsync("sdk", "greet", s_promptArguments).ConfigureAwait(false)).Messages.Count;
        }

        return Check(messages, 1);
    }

    private static int Check(int count, int perCall) =>
        count == Calls * perCall ? count : throw new InvalidOperationException($"Got {count} items for {Calls} calls; expected {Calls * perCall}.");

    private async Task<Uri> StartServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(McpOperationsBenchmarks).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services
            .AddMcpServer(o => o.ServerInfo = new Implementation { Name = "cortex-bench-ops", Version = "1.0.0" })
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateless)
            .WithTools<OperationsBenchTools>()
            .WithPrompts<OperationsBenchPrompts>();
        _server = builder.Build();
        _server.MapMcp("/mcp");
        await _server.StartAsync().ConfigureAwait(false);
        var address = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(new Uri(address), "/mcp");
    }
}

/// <summary>Five tools of typical shape (descriptions, typed parameters, one structured output) for tools/list.</summary>
[McpServerToolType]
public sealed class OperationsBenchTools
{
    [McpServerTool(Name = "echo", Title = "Echo", ReadOnly = true), Description("Returns the text argument")]
    public static string Echo([Description("Text to return")] string text) => text;

    [McpServerTool(Name = "add", Title = "Add", ReadOnly = true, Idempotent = true), Description("Adds two numbers")]
    public static long Add([Description("First addend")] long a, [Description("Second addend")] long b) => a + b;

    [McpServerTool(Name = "search", Title = "Search"), Description("Searches the corpus and returns the best matches")]
    public static string[] Search([Description("The query")] string query, [Description("Most results")] int limit = 10) => [query];

    [McpServerTool(Name = "store", Title = "Store", Destructive = true), Description("Stores a document for a user")]
    public static string Store([Description("The user")] string userId, [Description("The document")] string content) => userId;

    [McpServerTool(Name = "weather", Title = "Weather", UseStructuredContent = true), Description("Reports the weather of a city")]
    public static BenchWeather Weather([Description("The city")] string city) => new() { City = city, Temperature = 20 };
}

/// <summary>The structured output of <see cref="OperationsBenchTools.Weather"/>.</summary>
public sealed class BenchWeather
{
    public string City { get; set; } = string.Empty;

    public double Temperature { get; set; }
}

/// <summary>One prompt with one argument, for prompts/get.</summary>
[McpServerPromptType]
public sealed class OperationsBenchPrompts
{
    [McpServerPrompt(Name = "greet", Title = "Greeting"), Description("Greets someone")]
    public static string Greet([Description("Who to greet")] string name) => $"Hello, {name}! How can I help you today?";
}
