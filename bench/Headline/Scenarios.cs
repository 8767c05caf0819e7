using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using ModelContextProtocol.Client;

namespace Cortex.Mcp.Fast.Bench.Headline;

/// <summary>Where the contenders call: the embedded test service (REST base and its <c>/mcp</c>) and, when hosted,
/// the official C# SDK server's stateless MCP endpoint.</summary>
public sealed record ScenarioEndpoints(Uri RestBase, Uri McpEndpoint, Uri? SdkServerEndpoint = null);

/// <summary>The end-to-end contenders of the headline run, each over its own connections.</summary>
public static partial class Scenarios
{
    public static readonly string[] All =
    [
        "cortex-rest", "cortex-rest-direct", "raw-httpclient", "raw-socket", "httpclient-polly", "cortex-mcp", "cortex-mcp-direct", "mcp-sdk",
        "cortex-mcp-sdkserver", "cortex-mcp-sdkserver-direct", "mcp-sdk-sdkserver", "raw-httpclient-mcp-sdkserver",
        "cortex-rest-otel", "cortex-mcp-otel", "cortex-rest-direct-nohandoff", "direct-engine",
    ];

    /// <summary>True for the contenders that call the official C# SDK server (the service process must host it).</summary>
    public static bool NeedsSdkServer(string name) => name.EndsWith("-sdkserver", StringComparison.Ordinal);

    /// <summary>The contender a scenario's ratios are computed against (its own name for a baseline).</summary>
    public static string BaselineOf(string name) => name switch
    {
        "cortex-rest" or "cortex-rest-direct" or "httpclient-polly" or "raw-socket" => "raw-httpclient",

        // What the worker's hand-off of its thread to the caller saves: the same client with it turned off.
        "cortex-rest-direct-nohandoff" => "cortex-rest-direct",

        // The direct engine alone, against the bare socket loop: what the HTTP/1.1 engine costs over the wire's floor.
        "direct-engine" => "raw-socket",
        "cortex-mcp" => "mcp-sdk",

        // The goal for MCP on the direct engine: no more CPU per call than a raw HttpClient REST call.
        "cortex-mcp-direct" => "raw-httpclient",
        "cortex-mcp-sdkserver" or "cortex-mcp-sdkserver-direct" or "mcp-sdk-sdkserver" => "raw-httpclient-mcp-sdkserver",

        // The cost of turning OpenTelemetry on: against the same calls with no listener.
        "cortex-rest-otel" => "cortex-rest",
        "cortex-mcp-otel" => "cortex-mcp",
        _ => name,
    };

    public static async Task<CallScenario> CreateAsync(string name, ScenarioEndpoints endpoints, int concurrency, CancellationToken cancellationToken) => name switch
    {
        "cortex-rest" => await CortexScenario.CreateAsync(name, endpoints.RestBase, McpProtocol.Rest, HttpEngineKind.SocketsHttpHandler, concurrency, cancellationToken).ConfigureAwait(false),
        "cortex-rest-direct" => await CortexScenario.CreateAsync(name, endpoints.RestBase, McpProtocol.Rest, HttpEngineKind.Direct, concurrency, cancellationToken).ConfigureAwait(false),
        "cortex-rest-direct-nohandoff" => await WithoutHandOffAsync(() => CortexScenario.CreateAsync(name, endpoints.RestBase, McpProtocol.Rest, HttpEngineKind.Direct, concurrency, cancellationToken)).ConfigureAwait(false),
        "raw-httpclient" => new RawHttpClientScenario(endpoints.RestBase, concurrency),
        "raw-socket" => new RawSocketScenario(endpoints.RestBase),
        "direct-engine" => new DirectEngineScenario(endpoints.RestBase, concurrency),
        "httpclient-polly" => new PollyHttpClientScenario(endpoints.RestBase, concurrency),
        "cortex-mcp" => await CortexScenario.CreateAsync(name, endpoints.McpEndpoint, McpProtocol.StreamableHttp, HttpEngineKind.SocketsHttpHandler, concurrency, cancellationToken).ConfigureAwait(false),
        "cortex-mcp-direct" => await CortexScenario.CreateAsync(name, endpoints.McpEndpoint, McpProtocol.StreamableHttp, HttpEngineKind.Direct, concurrency, cancellationToken).ConfigureAwait(false),
        "mcp-sdk" => await SdkScenario.CreateAsync(name, endpoints.McpEndpoint, concurrency, cancellationToken).ConfigureAwait(false),
        "cortex-mcp-sdkserver" => await CortexScenario.CreateAsync(name, SdkServer(endpoints), McpProtocol.StreamableHttp, HttpEngineKind.SocketsHttpHandler, concurrency, cancellationToken).ConfigureAwait(false),
        "cortex-mcp-sdkserver-direct" => await CortexScenario.CreateAsync(name, SdkServer(endpoints), McpProtocol.StreamableHttp, HttpEngineKind.Direct, concurrency, cancellationToken).ConfigureAwait(false),
        "mcp-sdk-sdkserver" => await SdkScenario.CreateAsync(name, SdkServer(endpoints), concurrency, cancellationToken).ConfigureAwait(false),
        "raw-httpclient-mcp-sdkserver" => new RawMcpHttpClientScenario(SdkServer(endpoints), concurrency),
        "cortex-rest-otel" => new OpenTelemetryScenario(name, await CreateAsync("cortex-rest", endpoints, concurrency, cancellationToken).ConfigureAwait(false)),
        "cortex-mcp-otel" => new OpenTelemetryScenario(name, await CreateAsync("cortex-mcp", endpoints, concurrency, cancellationToken).ConfigureAwait(false)),
        _ => throw new ArgumentException($"Unknown scenario '{name}'. Known: {string.Join(", ", All)}.", nameof(name)),
    };

    /// <summary>Creates a client whose services start with the completion hand-off off (the switch is read when a
    /// service starts, and ConnectAsync starts it).</summary>
    private static async Task<CallScenario> WithoutHandOffAsync(Func<Task<CallScenario>> create)
    {
        const string Switch = Cortex.Mcp.Fast.Dispatch.ServiceDispatcher.DisableCompletionHandOffSwitch;
        AppContext.SetSwitch(Switch, true);
        try
        {
            return await create().ConfigureAwait(false);
        }
        finally
        {
            AppContext.SetSwitch(Switch, false);
        }
    }

    private static Uri SdkServer(ScenarioEndpoints endpoints) =>
        endpoints.SdkServerEndpoint ?? throw new InvalidOperationException("The *-sdkserver contenders need the official C# SDK server (serve --sdk-server).");

    private static readonly byte[] s_arguments = Encoding.UTF8.GetBytes(CallScenario.ArgumentsJson);

    /// <summary>The embedded service's reply body to the echo call, byte for byte (what the hand-written contenders check).</summary>
    private static readonly byte[] s_expectedEcho = [.. "{\"echo\":"u8, .. s_arguments, .. "}"u8];

    /// <summary>NetworkMcpClient with queue, breaker, retries and diagnostics on (the defaults).</summary>
    private sealed class CortexScenario : CallScenario
    {
        private readonly NetworkMcpClient _client;

        private CortexScenario(string name, string baseline, NetworkMcpClient client)
            : base(name, baseline) => _client = client;

        public static async Task<CallScenario> CreateAsync(string name, Uri endpoint, McpProtocol protocol, HttpEngineKind engine, int concurrency, CancellationToken cancellationToken)
        {
            var discovery = new InMemoryServiceDiscovery();
            await discovery.RegisterAsync("bench", endpoint, cancellationToken).ConfigureAwait(false);
            var options = new NetworkMcpClientOptions { Discovery = discovery };
            options.DefaultServiceOptions.Protocol = protocol;
            options.DefaultServiceOptions.Http.Engine = engine;
            options.DefaultServiceOptions.Queue.WorkerCount = Math.Max(1, concurrency);
            options.DefaultServiceOptions.Queue.Capacity = Math.Max(64, concurrency * 4);
            var client = new NetworkMcpClient(options);
            await client.ConnectAsync("bench", cancellationToken).ConfigureAwait(false);
            return new CortexScenario(name, BaselineOf(name), client);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public override async ValueTask CallAsync(CancellationToken cancellationToken)
        {
            using var result = await _client.CallToolAsync("bench", "echo", s_arguments, null, cancellationToken).ConfigureAwait(false);
        }

        public override ValueTask DisposeAsync() => _client.DisposeAsync();
    }

    /// <summary>The baseline: HttpClient over SocketsHttpHandler, POST and read the body, nothing else.</summary>
    private sealed class RawHttpClientScenario : CallScenario
    {
        private readonly HttpClient _http;
        private readonly Uri _uri;

        public RawHttpClientScenario(Uri restBase, int concurrency)
            : base("raw-httpclient", "raw-httpclient")
        {
            _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(1, concurrency), UseCookies = false, AllowAutoRedirect = false, UseProxy = false });
            _uri = new Uri(restBase, "tool/echo");
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public override async ValueTask CallAsync(CancellationToken cancellationToken)
        {
            using var content = new ByteArrayContent(s_arguments);
            content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            using var response = await _http.PostAsync(_uri, content, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK || body.Length == 0)
            {
                throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
            }
        }

        public override ValueTask DisposeAsync()
        {
            _http.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>IHttpClientFactory + AddStandardResilienceHandler (Polly 8: rate limiter, timeouts, retry, breaker).</summary>
    private sealed class PollyHttpClientScenario : CallScenario
    {
        private readonly ServiceProvider _services;
        private readonly IHttpClientFactory _factory;
        private readonly Uri _uri;

        public PollyHttpClientScenario(Uri restBase, int concurrency)
            : base("httpclient-polly", BaselineOf("httpclient-polly"))
        {
            var services = new ServiceCollection();
            services.AddHttpClient("bench")
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(1, concurrency), UseCookies = false, AllowAutoRedirect = false, UseProxy = false })
                .AddStandardResilienceHandler();
            _services = services.BuildServiceProvider();
            _factory = _services.GetRequiredService<IHttpClientFactory>();
            _uri = new Uri(restBase, "tool/echo");
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public override async ValueTask CallAsync(CancellationToken cancellationToken)
        {
            var http = _factory.CreateClient("bench");
            using var content = new ByteArrayContent(s_arguments);
            content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            using var response = await http.PostAsync(_uri, content, cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK || body.Length == 0)
            {
                throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
            }
        }

        public override async ValueTask DisposeAsync() => await _services.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>The official ModelContextProtocol C# client over Streamable HTTP.</summary>
    private sealed class SdkScenario : CallScenario
    {
        private static readonly Dictionary<string, object?> s_sdkArguments = new()
        {
            ["text"] = "hello from the bench",
            ["n"] = 42,
        };

        private readonly McpClient _client;
        private readonly HttpClient _http;

        private SdkScenario(string name, McpClient client, HttpClient http)
            : base(name, BaselineOf(name))
        {
            _client = client;
            _http = http;
        }

        public static async Task<CallScenario> CreateAsync(string name, Uri endpoint, int concurrency, CancellationToken cancellationToken)
        {
            var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(1, concurrency), UseCookies = false, AllowAutoRedirect = false, UseProxy = false });
            var transport = new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = endpoint,
                TransportMode = HttpTransportMode.StreamableHttp,
                EnableStandaloneGetStream = false,
            }, http, loggerFactory: null, ownsHttpClient: false);
            var client = await McpClient.CreateAsync(transport, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new SdkScenario(name, client, http);
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public override async ValueTask CallAsync(CancellationToken cancellationToken)
        {
            var result = await _client.CallToolAsync("echo", s_sdkArguments, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (result.IsError == true)
            {
                throw new InvalidOperationException("The SDK call returned isError.");
            }
        }

        public override async ValueTask DisposeAsync()
        {
            await _client.DisposeAsync().ConfigureAwait(false);
            _http.Dispose();
        }
    }
}
