using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using static Cortex.Mcp.Fast.Hosting.Tests.TestHosts;

namespace Cortex.Mcp.Fast.Hosting.Tests.Pipeline;

/// <summary>
/// The HTTP pipeline from configuration (headers, proxy, HTTP version, idle timeout) and from the container
/// (handlers); what the direct engine cannot do, and bad headers, stop the host with errors naming the key.
/// </summary>
public sealed class HttpPipelineBindingTests
{
    [Fact]
    public async Task Build_PipelineKeys_ReachTheirOptions()
    {
        using var host = Build(Settings(
            ("Services:a:Endpoint", "http://127.0.0.1:9/"),
            ("Defaults:Http:Headers:X-Tenant", "t-default"),
            ("Services:a:Http:Headers:X-Api-Key", "k-123"),
            ("Services:a:Http:Version", "http2"),
            ("Services:a:Http:PooledConnectionIdleTimeout", "00:00:07"),
            ("Services:a:Http:Proxy:Address", "http://proxy.example:3128/"),
            ("Services:a:Http:Proxy:UserName", "user"),
            ("Services:a:Http:Proxy:Password", "pw"),
            ("Services:a:Http:Proxy:BypassOnLocal", "true"),
            ("Services:a:Http:Proxy:BypassList:0", "internal\\.example"),
            ("Services:a:Http:Proxy:BypassList:1", "other\\.example")));
        await host.StartAsync(Bounded());

        var http = BuildOf(host.Services).For("a").Http;
        Assert.Equal("k-123", http.Headers["x-api-key"]);
        Assert.Equal("t-default", http.Headers["X-Tenant"]); // Defaults apply under the service's own keys
        Assert.Equal(HttpProtocolVersion.Http2, http.Version);
        Assert.Equal(TimeSpan.FromSeconds(7), http.PooledConnectionIdleTimeout);
        var proxy = Assert.IsType<WebProxy>(http.Proxy);
        Assert.Equal(new Uri("http://proxy.example:3128/"), proxy.Address);
        Assert.True(proxy.BypassProxyOnLocal);
        Assert.Equal(["internal\\.example", "other\\.example"], proxy.BypassList);
        var credential = Assert.IsType<NetworkCredential>(proxy.Credentials);
        Assert.Equal(("user", "pw"), (credential.UserName, credential.Password));
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Start_DirectEngineWithProxyOrHttp2_FailsNamingTheServiceAndTheOption()
    {
        using var host = Build(Settings(
            ("Services:a:Http:Engine", "Direct"),
            ("Services:a:Http:Proxy:Address", "http://proxy.example:3128/"),
            ("Services:b:Http:Engine", "Direct"),
            ("Services:b:Http:Version", "Http2")));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Bounded()));

        Assert.Equal(2, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.StartsWith("Mcp:Services:a: ", StringComparison.Ordinal) && f.Contains("Http.Proxy needs the SocketsHttpHandler engine", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Mcp:Services:b: ", StringComparison.Ordinal) && f.Contains("Http.Version = Http2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Start_BadHeaderOrReservedName_FailsWithoutQuotingTheValue()
    {
        using var host = Build(Settings(
            ("Services:a:Http:Headers:X-Api-Key", "secret-\u00e9-value"),
            ("Services:a:Http:Headers:Host", "evil.example"),
            ("Services:a:Http:Proxy:Address", "ftp://proxy.example/"),
            ("Services:a:Http:Version", "Http3")));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Bounded()));

        var failures = error.Failures.ToList();
        Assert.Equal(4, failures.Count);
        Assert.Contains("Mcp:Services:a:Http:Headers:X-Api-Key: (value hidden) is out of range: The X-Api-Key header value contains a character not allowed in an HTTP header (CR, LF, another control or non-ASCII).", failures);
        Assert.Contains(failures, f => f.StartsWith("Mcp:Services:a:Http:Headers:Host: (value hidden)", StringComparison.Ordinal) && f.Contains("set by the client itself", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Mcp:Services:a:Http:Proxy:Address: 'ftp://proxy.example/' must be an absolute http://", StringComparison.Ordinal));
        Assert.Contains("Mcp:Services:a:Http:Version: 'Http3' must be one of Http11, Http2, Http2OrHttp11.", failures);
        Assert.DoesNotContain(failures, f => f.Contains("secret-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AddMcpHttpMessageHandler_AddsAFactoryThatResolvesFromTheContainer()
    {
        using var host = Build(
            Settings(("Services:a:Endpoint", "http://127.0.0.1:9/")),
            services: s => s.AddMcpHttpMessageHandler<MarkerHandler>("a"));
        await host.StartAsync(Bounded());

        var factory = Assert.Single(BuildOf(host.Services).For("a").Http.MessageHandlers);
        using var first = factory();
        using var second = factory();
        Assert.IsType<MarkerHandler>(first);
        Assert.NotSame(first, second); // transient: one per endpoint
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task AddMcpHttpMessageHandler_UnknownServiceOrDirectEngine_StopsTheHost()
    {
        using var unknown = Build(Settings(("Services:a:Endpoint", "http://127.0.0.1:9/")), services: s => s.AddMcpHttpMessageHandler<MarkerHandler>("nope"));
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => unknown.StartAsync(Bounded()));
        Assert.Contains("service 'nope' has no settings of its own", Assert.Single(error.Failures), StringComparison.Ordinal);

        using var direct = Build(Settings(("Services:a:Http:Engine", "Direct")), services: s => s.AddMcpHttpMessageHandler<MarkerHandler>("a"));
        error = await Assert.ThrowsAsync<OptionsValidationException>(() => direct.StartAsync(Bounded()));
        Assert.Equal("Mcp:Services:a: Http.MessageHandlers needs the SocketsHttpHandler engine: the direct engine (Http.Engine = Direct) has no handler pipeline.", Assert.Single(error.Failures));
    }

    private sealed class MarkerHandler : DelegatingHandler;
}
