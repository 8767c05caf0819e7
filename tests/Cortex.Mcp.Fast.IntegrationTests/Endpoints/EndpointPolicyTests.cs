using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using Cortex.Mcp.Fast.Endpoints;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Endpoints;

/// <summary>
/// Fault matrix row 35: an SSRF-shaped endpoint from discovery. The opt-in <see cref="EndpointPolicy.PublicOnly"/>
/// refuses it with a typed error naming the service and why, before any byte is sent; the default allows loopback.
/// </summary>
public sealed class EndpointPolicyTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly JsonElement Empty = JsonDocument.Parse("{}").RootElement.Clone();

    [Theory]
    [InlineData(HttpEngineKind.SocketsHttpHandler)]
    [InlineData(HttpEngineKind.Direct)]
    public async Task PublicOnly_LoopbackEndpointFromDiscovery_IsRefusedTyped_AndNothingIsSent(HttpEngineKind engine)
    {
        using var timeout = new CancellationTokenSource(Bound);
        await using var service = await TestMcpService.StartAsync();
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("memory", service.BaseAddress);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Http.Engine = engine;
        options.Services["memory"] = new McpServiceOptions { EndpointPolicy = EndpointPolicy.PublicOnly, Http = { Engine = engine } };
        await using var client = new NetworkMcpClient(options);

        var refused = await Assert.ThrowsAsync<EndpointRefusedException>(() => client.CallToolAsync("memory", "echo", Empty, cancellationToken: timeout.Token).AsTask());

        Assert.Equal("memory", refused.Service);
        Assert.Contains("'memory'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("loopback", refused.Reason, StringComparison.Ordinal);
        Assert.True(refused.RequestNotSent);
        Assert.Equal(0, service.Counters.AcceptedConnections);
    }

    [Theory]
    [InlineData(HttpEngineKind.SocketsHttpHandler)]
    [InlineData(HttpEngineKind.Direct)]
    public async Task PublicOnly_TheEnginesCheckTheAddressesTheyDial_NothingIsSent(HttpEngineKind engine)
    {
        using var timeout = new CancellationTokenSource(Bound);
        await using var service = await TestMcpService.StartAsync();

        // The engine itself, given a name the discovery-time check would have caught: only the connect-time check
        // (the addresses dialled: the DNS-rebinding shape of row 35) stands between it and the loopback service.
        var options = new McpServiceOptions { EndpointPolicy = EndpointPolicy.PublicOnly, Http = { Engine = engine } };
        var address = new UriBuilder(service.BaseAddress) { Host = "localhost" }.Uri;
        await using var http = HttpEngines.Create(address, options, 1, TimeProvider.System);
        var target = http.CreateTarget(HttpMethod.Post, new Uri(address, "tool/echo"), "application/json", "application/json");

        var error = await Record.ExceptionAsync(() => http.SendAsync(target, default, "{}"u8.ToArray(), timeout.Token).AsTask());

        Assert.NotNull(error);
        var failure = http.MapFailure(error, responseStarted: false, timeout.Token);
        Assert.NotNull(failure);
        Assert.True(failure.NotSent);
        Assert.Contains("endpoint policy refused", Describe(error), StringComparison.Ordinal);
        Assert.Equal(0, service.Counters.AcceptedConnections);
    }

    [Fact]
    public async Task PublicOnly_MetadataAddressAmongEndpoints_IsSkipped_AllRefused_IsTheFirstReason()
    {
        using var timeout = new CancellationTokenSource(Bound);
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("svc", [new Uri("http://169.254.169.254/latest/"), new Uri("http://10.0.0.7:9000/")]);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.EndpointPolicy = EndpointPolicy.PublicOnly;
        await using var client = new NetworkMcpClient(options);

        var refused = await Assert.ThrowsAsync<EndpointRefusedException>(() => client.ConnectAsync("svc", timeout.Token).AsTask());

        Assert.Contains("link-local", refused.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Default_LoopbackIsLegitimate()
    {
        using var timeout = new CancellationTokenSource(Bound);
        await using var service = await TestMcpService.StartAsync();
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("svc", service.BaseAddress);
        await using var client = new NetworkMcpClient(discovery);

        using var result = await client.CallToolAsync("svc", "echo", Empty, cancellationToken: timeout.Token);

        Assert.Equal(1, service.Counters.TotalToolRequests);
    }

    [Fact]
    public async Task ConnectCallback_NameResolvingToLoopback_IsRefusedBeforeConnecting()
    {
        using var timeout = new CancellationTokenSource(Bound);
        await using var service = await TestMcpService.StartAsync();
        var name = new DnsEndPoint("localhost", service.BaseAddress.Port);

        var refused = await Assert.ThrowsAsync<EndpointPolicyViolationException>(() => EndpointPolicyConnect.ConnectAsync(name, EndpointPolicy.PublicOnly, timeout.Token).AsTask());
        Assert.Contains("loopback", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(0, service.Counters.AcceptedConnections);

        // The same callback in a SocketsHttpHandler (the hook the engine installs): the request fails to connect.
        using var handler = new SocketsHttpHandler { ConnectCallback = EndpointPolicyConnect.For(EndpointPolicy.PublicOnly) };
        using var http = new HttpClient(handler);
        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://localhost:{service.BaseAddress.Port}/"), timeout.Token));
        Assert.IsType<EndpointPolicyViolationException>(failure.InnerException);
        Assert.Equal(0, service.Counters.AcceptedConnections);
    }

    [Fact]
    public async Task ConnectSocket_TheEngineHook_RefusesLoopbackNamesAndLiterals_AndIsPlainConnectUnderAny()
    {
        using var timeout = new CancellationTokenSource(Bound);
        await using var service = await TestMcpService.StartAsync();
        var port = service.BaseAddress.Port;

        foreach (var endPoint in new EndPoint[] { new DnsEndPoint("localhost", port), new IPEndPoint(IPAddress.Loopback, port) })
        {
            using var refusedSocket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await Assert.ThrowsAsync<EndpointPolicyViolationException>(() => EndpointPolicyConnect.ConnectSocketAsync(refusedSocket, endPoint, EndpointPolicy.PublicOnly, timeout.Token).AsTask());
            Assert.False(refusedSocket.Connected);
        }

        Assert.Equal(0, service.Counters.AcceptedConnections);
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await EndpointPolicyConnect.ConnectSocketAsync(socket, new DnsEndPoint("localhost", port), EndpointPolicy.Any, timeout.Token);
        Assert.True(socket.Connected);
        await service.Counters.WaitUntilAsync(c => c.AcceptedConnections == 1, timeout.Token);
    }

    [Fact]
    public async Task ConnectCallback_AllowedAddress_Connects()
    {
        using var timeout = new CancellationTokenSource(Bound);
        await using var service = await TestMcpService.StartAsync();
        Assert.Null(EndpointPolicyConnect.For(EndpointPolicy.Any)); // the default installs no callback at all

        await using var stream = await EndpointPolicyConnect.ConnectAsync(new DnsEndPoint("127.0.0.1", service.BaseAddress.Port), EndpointPolicy.Any, timeout.Token);

        await service.Counters.WaitUntilAsync(c => c.AcceptedConnections == 1, timeout.Token);
    }

    private static string Describe(Exception exception)
    {
        var text = new System.Text.StringBuilder();
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            text.Append(e.Message).Append(" | ");
        }

        return text.ToString();
    }
}
