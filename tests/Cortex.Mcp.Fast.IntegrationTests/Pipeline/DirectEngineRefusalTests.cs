using System.Net;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Http.Direct;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Pipeline;

/// <summary>
/// The direct engine refuses what it cannot do (handlers, a proxy, HTTP/2) when the client is built, naming the
/// service and the option, never falling back; and <see cref="HttpOptions.PooledConnectionIdleTimeout"/> reaches
/// both engines' pools.
/// </summary>
public sealed class DirectEngineRefusalTests
{
    public static TheoryData<string, Action<HttpOptions>> Refused => new()
    {
        { "Http.MessageHandlers", http => http.MessageHandlers.Add(() => new PassThroughHandler()) },
        { "Http.Proxy", http => http.Proxy = new WebProxy("http://127.0.0.1:3128/") },
        { "Http.Version = Http2", http => http.Version = HttpProtocolVersion.Http2 },
        { "Http.Version = Http2OrHttp11", http => http.Version = HttpProtocolVersion.Http2OrHttp11 },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task DirectEngine_WithAnOptionItCannotHonour_IsRefusedWhenTheClientIsBuilt(string option, Action<HttpOptions> set)
    {
        var options = new NetworkMcpClientOptions { Discovery = new InMemoryServiceDiscovery() };
        var service = new McpServiceOptions { Http = { Engine = HttpEngineKind.Direct } };
        set(service.Http);
        options.Services["orders"] = service;

        var error = Assert.Throws<ArgumentException>(() => new NetworkMcpClient(options));

        Assert.StartsWith("Service 'orders': " + option, error.Message, StringComparison.Ordinal);
        Assert.Contains("Http.Engine = Direct", error.Message, StringComparison.Ordinal);

        service.Http.Engine = HttpEngineKind.SocketsHttpHandler; // the same option on the default engine is fine
        await using var accepted = new NetworkMcpClient(options);
    }

    [Fact]
    public void DirectEngine_InTheDefaults_IsRefusedToo_AndByTheEngineFactory()
    {
        var options = new NetworkMcpClientOptions { Discovery = new InMemoryServiceDiscovery() };
        options.DefaultServiceOptions.Http.Engine = HttpEngineKind.Direct;
        options.DefaultServiceOptions.Http.Proxy = new WebProxy("http://127.0.0.1:3128/");

        Assert.Contains("Http.Proxy", Assert.Throws<ArgumentException>(() => new NetworkMcpClient(options)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => HttpEngines.Create(new Uri("http://127.0.0.1:1/"), options.DefaultServiceOptions, 1, TimeProvider.System));
    }

    [Fact]
    public void StaticAuthorization_NextToATokenProvider_IsRefused()
    {
        var options = new NetworkMcpClientOptions { Discovery = new InMemoryServiceDiscovery() };
        var service = new McpServiceOptions();
        service.Http.Headers["Authorization"] = "Basic c2VjcmV0";
        service.Http.BearerTokenProvider = BearerTokenProvider.FromStatic("t");
        options.Services["a"] = service;

        var error = Assert.Throws<ArgumentException>(() => new NetworkMcpClient(options));

        Assert.Contains("Service 'a': Http.Headers must not set Authorization", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DirectEngine_IdleTimeout_ClosesAnIdleConnectionOnTheInjectedClock()
    {
        await using var service = await TestMcpService.StartAsync();
        var time = new FakeTimeProvider();
        var options = new McpServiceOptions { Http = { Engine = HttpEngineKind.Direct, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(4) } };
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var engine = (DirectHttpEngine)HttpEngines.Create(service.BaseAddress, options, 2, time);

        await engine.WarmUpAsync(1, bound.Token);
        await service.Counters.WaitForOpenConnectionsAsync(1, bound.Token);
        time.Advance(TimeSpan.FromSeconds(3)); // the sweep runs, but the connection is not idle long enough yet
        Assert.Equal(1, engine.Pool.OpenConnections);

        time.Advance(TimeSpan.FromSeconds(3)); // idle 6 s > 4 s: the next sweep closes it

        Assert.Equal(0, engine.Pool.OpenConnections);
        await service.Counters.WaitForOpenConnectionsAsync(0, bound.Token); // and the server saw it close
    }

    [Fact]
    public async Task DefaultEngine_GetsTheIdleTimeoutProxyAndNoEnvironmentProxy()
    {
        var options = new McpServiceOptions { Http = { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(9) } };
        await using (var engine = (SocketsHttpEngine)HttpEngines.Create(new Uri("http://127.0.0.1:1/"), options, 2, TimeProvider.System))
        {
            Assert.Equal(TimeSpan.FromSeconds(9), engine.Handler.PooledConnectionIdleTimeout);
            Assert.False(engine.Handler.UseProxy); // never HTTP_PROXY from the environment
            Assert.False(engine.Handler.AllowAutoRedirect);
        }

        var proxy = new WebProxy("http://127.0.0.1:3128/");
        options.Http.Proxy = proxy;
        await using (var engine = (SocketsHttpEngine)HttpEngines.Create(new Uri("http://127.0.0.1:1/"), options, 2, TimeProvider.System))
        {
            Assert.True(engine.Handler.UseProxy);
            Assert.Same(proxy, engine.Handler.Proxy);
        }
    }

    private sealed class PassThroughHandler : DelegatingHandler;
}
