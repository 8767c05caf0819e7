using System.Text.Json;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>A real loopback test service, a discovery registry naming it "svc", and a client over both.</summary>
internal sealed class ClientHarness : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private ClientHarness(TestMcpService service, InMemoryServiceDiscovery discovery, NetworkMcpClient client, NetworkMcpClientOptions options)
    {
        Service = service;
        Discovery = discovery;
        Client = client;
        Options = options;
    }

    public TestMcpService Service { get; }

    public InMemoryServiceDiscovery Discovery { get; }

    public NetworkMcpClient Client { get; }

    public NetworkMcpClientOptions Options { get; }

    public CancellationToken Timeout { get; } = new CancellationTokenSource(Bound).Token;

    public static async Task<ClientHarness> StartAsync(Action<NetworkMcpClientOptions>? configure = null, TestMcpServiceOptions? serviceOptions = null)
    {
        var service = await TestMcpService.StartAsync(serviceOptions);
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("svc", service.BaseAddress);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        configure?.Invoke(options);
        return new ClientHarness(service, discovery, new NetworkMcpClient(options), options);
    }

    /// <summary>Starts a harness whose client sends through <paramref name="engine"/> (set before <paramref name="configure"/> runs).</summary>
    public static Task<ClientHarness> StartAsync(HttpEngineKind engine, Action<NetworkMcpClientOptions>? configure = null, TestMcpServiceOptions? serviceOptions = null) =>
        StartAsync(
            o =>
            {
                o.DefaultServiceOptions.Http.Engine = engine;
                configure?.Invoke(o);
            },
            serviceOptions);

    public static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    public ValueTask<ToolResult> Call(string tool, string args = "{}", ToolCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Client.CallToolAsync("svc", tool, Json(args), options, cancellationToken);

    public async Task<T> Within<T>(Task<T> task) => await task.WaitAsync(Timeout);

    public async Task<Exception> FailureOf(Task task)
    {
        var ex = await Record.ExceptionAsync(() => task.WaitAsync(Timeout));
        Assert.NotNull(ex);
        Assert.IsNotType<TimeoutException>(ex);
        return ex;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Service.DisposeAsync();
    }
}
