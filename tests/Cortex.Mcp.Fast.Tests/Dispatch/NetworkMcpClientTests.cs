using System.Collections.Concurrent;
using System.Text.Json;
using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>
/// The facade without a wire: refusals before any I/O, discovery failures, disposal and diagnostics. The endpoint
/// (127.0.0.1:1) is never contacted by these tests; a test that reached it would fail with a connect error instead.
/// </summary>
public sealed class NetworkMcpClientTests
{
    private static readonly Uri s_endpoint = new("http://127.0.0.1:1/");

    [Fact]
    public async Task Discovery_Throws_TypedErrorAndTheNextCallResolvesAgain()
    {
        // Defect 7: an IOException from discovery escaped raw, and the failed resolution was cached for good.
        var discovery = new ScriptedDiscovery();
        discovery.Then(() => throw new IOException("name server unreachable"));
        await using var client = new NetworkMcpClient(discovery);

        var ex = await Record.ExceptionAsync(() => client.ConnectAsync("svc").AsTask());

        var typed = Assert.IsType<ServiceCallException>(ex);
        Assert.True(typed.RequestNotSent);
        Assert.IsType<IOException>(typed.InnerException);
        Assert.Equal("svc", typed.Service);

        await client.ConnectAsync("svc");
        Assert.Equal(2, discovery.Resolutions);
        Assert.True(client.GetDiagnostics().Services.ContainsKey("svc"));
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("file:///tmp/service")]
    [InlineData("http://user:secret@127.0.0.1:1/")]
    public async Task Discovery_UnusableEndpoint_TypedErrorWithoutTheAddressAndTheNextCallResolvesAgain(string endpoint)
    {
        var discovery = new ScriptedDiscovery();
        discovery.Then(() => new Uri(endpoint));
        await using var client = new NetworkMcpClient(discovery);

        var ex = await Record.ExceptionAsync(() => client.CallToolAsync("svc", "t").AsTask());

        var typed = Assert.IsType<ServiceCallException>(ex);
        Assert.True(typed.RequestNotSent);
        Assert.DoesNotContain("secret", typed.Message, StringComparison.Ordinal);
        await client.ConnectAsync("svc");
        Assert.Equal(2, discovery.Resolutions);
    }

    [Fact]
    public async Task EndpointChange_DiscoveryFailsOrReturnsAnUnusableEndpoint_KeepsServingFromTheCurrentOne()
    {
        var discovery = new ScriptedDiscovery();
        await using var client = new NetworkMcpClient(discovery);
        await client.ConnectAsync("svc");

        discovery.Then(() => throw new IOException("flap"));
        discovery.RaiseChanged("svc");
        discovery.Then(() => new Uri("http://user:pw@127.0.0.1:2/"));
        discovery.RaiseChanged("svc");
        Assert.Equal(s_endpoint, client.GetTransport("svc")!.Address);

        discovery.Then(() => new Uri("http://127.0.0.1:3/"));
        discovery.RaiseChanged("svc");
        Assert.Equal(new Uri("http://127.0.0.1:3/"), client.GetTransport("svc")!.Address);
    }

    [Fact]
    public async Task Rejections_HappenBeforeDiscoveryOrIo()
    {
        var discovery = new ScriptedDiscovery();
        await using var client = new NetworkMcpClient(discovery);

        Assert.IsType<InvalidToolNameException>(await Record.ExceptionAsync(() => client.CallToolAsync("svc", "../etc").AsTask()));
        Assert.IsType<InvalidToolNameException>(await Record.ExceptionAsync(() => client.CallToolAsync("svc", new string('a', 129)).AsTask()));
        Assert.IsType<ServiceNotFoundException>(await Record.ExceptionAsync(() => client.CallToolAsync(string.Empty, "t").AsTask()));
        Assert.IsType<ServiceNotFoundException>(await Record.ExceptionAsync(() => client.ListToolsAsync(string.Empty).AsTask()));
        var badArguments = await Record.ExceptionAsync(() => client.CallToolAsync("svc", "t", JsonDocument.Parse("[1]").RootElement).AsTask());
        Assert.True(Assert.IsType<ServiceCallException>(badArguments).RequestNotSent);
        Assert.IsType<InvalidResourcePathException>(await Record.ExceptionAsync(() => Drain(client.GetResourceAsync("svc", string.Empty))));
        Assert.IsType<InvalidResourcePathException>(await Record.ExceptionAsync(() => Drain(client.SubscribeResourceAsync("svc", string.Empty))));
        Assert.Equal(0, discovery.Resolutions);
    }

    [Fact]
    public async Task Rejections_ResourcePathRefusedByTheProtocol_IsInvalidResourcePathBeforeIo()
    {
        var discovery = new ScriptedDiscovery();
        await using var client = new NetworkMcpClient(discovery);

        var ex = await Record.ExceptionAsync(() => Drain(client.GetResourceAsync("svc", "../../outside")));

        var refused = Assert.IsType<InvalidResourcePathException>(ex);
        Assert.True(refused.RequestNotSent);
        Assert.Equal(0, client.GetDiagnostics().Services["svc"].OpenStreams);
    }

    [Fact]
    public async Task ListTools_OnRest_IsNotSupportedAndNeverTripsTheBreaker()
    {
        var discovery = new ScriptedDiscovery();
        await using var client = new NetworkMcpClient(discovery);

        for (var i = 0; i < 8; i++)
        {
            var ex = await Record.ExceptionAsync(() => client.ListToolsAsync("svc").AsTask());
            Assert.True(Assert.IsType<ServiceCallException>(ex).RequestNotSent);
        }

        Assert.Equal(CircuitState.Closed, client.GetDiagnostics().Services["svc"].CircuitState);
    }

    [Fact]
    public async Task Dispose_IsIdempotentAndEveryOperationAfterwardsIsClientDisposed()
    {
        var discovery = new ScriptedDiscovery();
        var client = new NetworkMcpClient(discovery);
        await client.ConnectAsync("svc");

        await client.DisposeAsync();
        await client.DisposeAsync();

        Assert.IsType<ClientDisposedException>(await Record.ExceptionAsync(() => client.CallToolAsync("svc", "t").AsTask()));
        Assert.IsType<ClientDisposedException>(await Record.ExceptionAsync(() => client.ListToolsAsync("svc").AsTask()));
        Assert.IsType<ClientDisposedException>(await Record.ExceptionAsync(() => client.ConnectAsync("other").AsTask()));
        Assert.IsType<ClientDisposedException>(await Record.ExceptionAsync(() => Drain(client.GetResourceAsync("svc", "r"))));
        Assert.IsType<ClientDisposedException>(await Record.ExceptionAsync(() => Drain(client.SubscribeResourceAsync("svc", "urn:x"))));
        Assert.Empty(client.GetDiagnostics().Services);
    }

    [Fact]
    public async Task GetDiagnostics_ConnectedService_ReportsEndpointQueueAndBreaker()
    {
        var discovery = new ScriptedDiscovery();
        await using var client = new NetworkMcpClient(discovery);
        Assert.Empty(client.GetDiagnostics().Services);

        await client.ConnectAsync("svc");

        var service = client.GetDiagnostics().Services["svc"];
        Assert.Equal(s_endpoint, service.Endpoint);
        Assert.Equal(0, service.QueueDepth);
        Assert.Equal(0, service.OpenStreams);
        Assert.Equal(CircuitState.Closed, service.CircuitState);
        Assert.Empty(service.Tools);
    }

    [Fact]
    public async Task Options_ChangedAfterTheServiceStarted_DoNotReachTheRunningService()
    {
        var discovery = new ScriptedDiscovery();
        var options = new McpServiceOptions { CallTimeout = TimeSpan.FromSeconds(7), Queue = { FullMode = QueueFullMode.FailFast, Capacity = 3 } };
        var clientOptions = new NetworkMcpClientOptions { Discovery = discovery };
        clientOptions.Services["svc"] = options;
        await using var client = new NetworkMcpClient(clientOptions);
        await client.ConnectAsync("svc");

        options.CallTimeout = TimeSpan.FromMilliseconds(1);
        options.Queue.FullMode = QueueFullMode.Wait;
        options.Retry.MaxRetries = 0;
        options.Queue.Capacity = 1;

        var running = client.GetDispatcher("svc")!.Options;
        Assert.NotSame(options, running);
        Assert.Equal(TimeSpan.FromSeconds(7), running.CallTimeout);
        Assert.Equal(QueueFullMode.FailFast, running.Queue.FullMode);
        Assert.Equal(3, running.Queue.Capacity);
        Assert.Equal(3, running.Retry.MaxRetries);
    }

    private static async Task Drain<T>(IAsyncEnumerable<T> items)
    {
        await foreach (var _ in items)
        {
        }
    }

    /// <summary>A discovery whose answers are scripted one by one (default: the unreachable test endpoint).</summary>
    private sealed class ScriptedDiscovery : IServiceDiscovery
    {
        private readonly ConcurrentQueue<Func<Uri?>> _answers = new();
        private int _resolutions;

        public event Action<string>? EndpointChanged;

        public int Resolutions => Volatile.Read(ref _resolutions);

        public void Then(Func<Uri?> answer) => _answers.Enqueue(answer);

        public void RaiseChanged(string service) => EndpointChanged?.Invoke(service);

        public ValueTask<Uri?> ResolveAsync(string service, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _resolutions);
            return new(_answers.TryDequeue(out var answer) ? answer() : s_endpoint);
        }
    }
}
