using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Cortex.Mcp.Fast.IntegrationTests.Client;
using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Cortex.Mcp.Fast.IntegrationTests.Pipeline;

/// <summary>
/// The open pipeline of the default engine over real sockets: the caller's handlers see every request, HTTP/2 with
/// prior knowledge (h2c) and by ALPN (Streamable HTTP SSE replies included), and a forward proxy.
/// </summary>
public sealed class HttpPipelineTests
{
    [Fact]
    public async Task Handlers_SeeEveryRequest_InOrder_AndCanAddHeaders()
    {
        var order = new ConcurrentQueue<string>();
        var seenByServer = new ConcurrentQueue<string>();
        await using var h = await ClientHarness.StartAsync(
            o =>
            {
                o.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
                o.DefaultServiceOptions.Http.MessageHandlers.Add(() => new TaggingHandler("outer", order));
                o.DefaultServiceOptions.Http.MessageHandlers.Add(() => new TaggingHandler("inner", order));
            },
            new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse });
        await h.Discovery.RegisterAsync("svc", h.Service.McpAddress);
        h.Service.Faults.Intercept = context =>
        {
            seenByServer.Enqueue(context.Request.Headers["X-Handler"].ToString());
            return ValueTask.FromResult(false);
        };

        using (await h.Within(h.Call("echo").AsTask()))
        {
        }

        using (await h.Within(h.Call("echo").AsTask()))
        {
        }

        var atServer = seenByServer.ToArray();
        Assert.True(atServer.Length >= 3, $"initialize, initialized and two calls at least; saw {atServer.Length}");
        Assert.All(atServer, tag => Assert.Equal("outer,inner", tag));
        Assert.True(order.Count >= atServer.Length * 2, "each handler ran for every request the server saw");
        Assert.Equal("outer", order.First());
    }

    [Fact]
    public async Task Handler_ThatIsAlreadyChained_IsRefusedWhenTheEndpointIsCreated()
    {
        using var shared = new TaggingHandler("x", new ConcurrentQueue<string>()) { InnerHandler = new HttpClientHandler() };
        await using var h = await ClientHarness.StartAsync(o => o.DefaultServiceOptions.Http.MessageHandlers.Add(() => shared));

        var error = Assert.IsAssignableFrom<ServiceCallException>(await h.FailureOf(h.Call("echo").AsTask()));

        Assert.True(error.RequestNotSent);
        Assert.Contains("MessageHandlers[0]", error.InnerException?.Message ?? "", StringComparison.Ordinal);
        Assert.Equal(0, h.Service.Counters.TotalRequests);
    }

    [Fact]
    public async Task Http2PriorKnowledge_OverPlainHttp_CarriesToolCallsAndSseReplies()
    {
        var protocols = new ConcurrentQueue<string>();
        await using var h = await ClientHarness.StartAsync(
            o =>
            {
                o.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
                o.DefaultServiceOptions.Http.Version = HttpProtocolVersion.Http2;
            },
            new TestMcpServiceOptions { Protocols = HttpProtocols.Http2, McpMode = TestMcpMode.StatefulSse });
        await h.Discovery.RegisterAsync("svc", h.Service.McpAddress);
        h.Service.Faults.Intercept = context =>
        {
            protocols.Enqueue(context.Request.Protocol);
            return ValueTask.FromResult(false);
        };

        using var result = await h.Within(h.Call("echo", """{"a":7}""").AsTask());

        Assert.Contains("7", result.Json.GetRawText(), StringComparison.Ordinal);
        Assert.NotEmpty(protocols);
        Assert.All(protocols, p => Assert.Equal("HTTP/2", p));
    }

    [Fact]
    public async Task Http11Client_AgainstAnHttp2OnlyServer_Fails()
    {
        // The control for the test above: the option, not the server, chose HTTP/2.
        await using var h = await ClientHarness.StartAsync(o => o.DefaultServiceOptions.Retry.MaxRetries = 0, new TestMcpServiceOptions { Protocols = HttpProtocols.Http2 });

        Assert.IsAssignableFrom<ServiceCallException>(await h.FailureOf(h.Call("echo").AsTask()));
    }

    [Theory]
    [InlineData(HttpProtocolVersion.Http2, "HTTP/2")]
    [InlineData(HttpProtocolVersion.Http2OrHttp11, "HTTP/2")]
    [InlineData(HttpProtocolVersion.Http11, "HTTP/1.1")]
    public async Task Alpn_OverTls_NegotiatesTheChosenVersion(HttpProtocolVersion version, string expected)
    {
        using var ca = TestCertificates.CreateCa();
        using var certificate = TestCertificates.IssueServerCertificate(ca);
        var protocols = new ConcurrentQueue<string>();
        await using var h = await ClientHarness.StartAsync(
            o =>
            {
                o.DefaultServiceOptions.Http.Version = version;
                o.DefaultServiceOptions.Tls.TrustedRootCertificates = [X509CertificateLoader.LoadCertificate(ca.RawData)];
            },
            new TestMcpServiceOptions { Certificate = certificate, Protocols = HttpProtocols.Http1AndHttp2 });
        h.Service.Faults.Intercept = context =>
        {
            protocols.Enqueue(context.Request.Protocol);
            return ValueTask.FromResult(false);
        };

        using var result = await h.Within(h.Call("echo", """{"a":1}""").AsTask());

        Assert.Equal([expected], protocols.ToArray());
    }

    [Fact]
    public async Task Proxy_ReceivesTheAbsoluteFormRequest_AndRelaysTheCall()
    {
        await using var proxy = new LoopbackForwardProxy();
        await using var h = await ClientHarness.StartAsync(o => o.DefaultServiceOptions.Http.Proxy = new WebProxy(proxy.Address));

        using var result = await h.Within(h.Call("echo", """{"a":2}""").AsTask());

        Assert.Equal(2, result.Json.GetProperty("echo").GetProperty("a").GetInt32());
        var port = h.Service.BaseAddress.Port;
        Assert.Equal($"POST http://127.0.0.1:{port}/tool/echo HTTP/1.1", Assert.Single(proxy.RequestLines));
        Assert.Equal(1, h.Service.Counters.TotalToolRequests);
    }

    [Fact]
    public async Task Proxy_WithCredentials_AnswersTheChallenge()
    {
        await using var proxy = new LoopbackForwardProxy { RequiredCredentials = "proxy-user:proxy-pw" };
        await using var h = await ClientHarness.StartAsync(o => o.DefaultServiceOptions.Http.Proxy =
            new WebProxy(proxy.Address) { Credentials = new NetworkCredential("proxy-user", "proxy-pw") });

        using var result = await h.Within(h.Call("echo").AsTask());

        // First without credentials (challenged with 407), then with them; the service sees the call once.
        Assert.Equal(["", "Basic " + Convert.ToBase64String("proxy-user:proxy-pw"u8.ToArray())], proxy.ProxyAuthorizations.ToArray());
        Assert.Equal(1, h.Service.Counters.TotalToolRequests);
    }

    [Fact]
    public async Task Proxy_BypassList_SendsMatchingHostsDirectly()
    {
        await using var proxy = new LoopbackForwardProxy();
        await using var h = await ClientHarness.StartAsync(o => o.DefaultServiceOptions.Http.Proxy = new WebProxy(proxy.Address, false, [@"127\.0\.0\.1"]));

        using var result = await h.Within(h.Call("echo").AsTask());

        Assert.Empty(proxy.RequestLines);
        Assert.Equal(1, h.Service.Counters.TotalToolRequests);
    }

    /// <summary>Adds its tag to <c>X-Handler</c> (comma-separated, outermost first) and records that it ran.</summary>
    private sealed class TaggingHandler(string tag, ConcurrentQueue<string> order) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            order.Enqueue(tag);
            var existing = request.Headers.TryGetValues("X-Handler", out var values) ? string.Join(",", values) : null;
            request.Headers.Remove("X-Handler");
            request.Headers.TryAddWithoutValidation("X-Handler", existing is null ? tag : existing + "," + tag);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
