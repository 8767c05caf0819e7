using System.Buffers;
using System.Net;
using System.Text;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.Tests.Transports.Http.Pipeline;

/// <summary>
/// <see cref="RequestHeaders"/> checks every name and value when it is set (never quoting the value), refuses the
/// headers the library owns, and the direct engine writes a call's headers after its own; the HTTP options refuse
/// what the direct engine cannot do.
/// </summary>
public sealed class RequestHeadersTests
{
    [Theory]
    [InlineData("X-Api-Key", "line\r\nInjected: 1")]
    [InlineData("X-Api-Key", "nul\0")]
    [InlineData("X-Api-Key", "caf\u00e9")]
    [InlineData("X-Api-Key", "del\u007f")]
    public void Add_ValueWithAControlOrNonAscii_IsRefusedWithoutQuotingIt(string name, string value)
    {
        var headers = new RequestHeaders();

        var error = Assert.Throws<ArgumentException>(() => headers.Add(name, value));

        Assert.Equal("value", error.ParamName);
        Assert.DoesNotContain(value, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, headers.Count);
    }

    [Theory]
    [InlineData("Host")]
    [InlineData("content-length")]
    [InlineData("Transfer-Encoding")]
    [InlineData("Connection")]
    [InlineData("Mcp-Session-Id")]
    [InlineData("mcp-protocol-version")]
    [InlineData("Last-Event-ID")]
    [InlineData("Content-Type")]
    [InlineData("Proxy-Authorization")]
    public void Add_AHeaderTheClientOwns_IsRefused(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new RequestHeaders { [name] = "x" });

        Assert.Contains("set by the client itself", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("X Api")]
    [InlineData("X-Api:")]
    [InlineData("X-\u00e9")]
    public void Add_NameThatIsNotAToken_IsRefused(string name) =>
        Assert.ThrowsAny<ArgumentException>(() => new RequestHeaders().Add(name, "v"));

    [Fact]
    public void Names_AreCaseInsensitive_AddTwiceRefused_IndexerReplaces_ToStringShowsNamesOnly()
    {
        var headers = new RequestHeaders { { "X-Api-Key", "k1" } };

        Assert.Throws<ArgumentException>(() => headers.Add("x-api-key", "k2"));
        headers["X-API-KEY"] = "k3";

        Assert.Equal("k3", headers["x-api-key"]);
        Assert.Equal(1, headers.Count);
        Assert.Equal("X-Api-Key", headers.ToString());
        Assert.True(headers.Remove("X-Api-Key"));
        Assert.False(headers.Contains("X-Api-Key"));
        Assert.Throws<ArgumentException>(() => headers.Add("X-Long", new string('a', RequestHeaders.MaxValueLength + 1)));
    }

    [Fact]
    public void Snapshot_IsStableUntilAChange_AndAServiceSnapshotIsADeepCopy()
    {
        var options = new McpServiceOptions();
        options.Http.Headers["X-A"] = "1";
        var first = options.Http.Headers.Snapshot();

        Assert.Same(first, options.Http.Headers.Snapshot()); // no allocation per call for a reused collection
        var running = options.Snapshot();
        options.Http.Headers["X-A"] = "2";
        options.Http.MessageHandlers.Add(() => new PassThrough());

        Assert.NotSame(first, options.Http.Headers.Snapshot());
        Assert.Equal("1", running.Http.Headers["X-A"]);
        Assert.Empty(running.Http.MessageHandlers);
    }

    [Fact]
    public void DirectWriter_WritesTheCallsHeadersAfterItsOwn()
    {
        var writer = new ArrayBufferWriter<byte>();
        var request = new PreEncodedRequest("POST", "/tool/echo", "h", [new("X-Api-Key", "static")]);

        Http1RequestWriter.Write(writer, request, new HttpRequestFields { Authorization = "Bearer t", CallHeaders = [new("X-Request-Id", "r-1"), new("X-Tenant", "t1")] }, "{}"u8);

        Assert.Equal(
            "POST /tool/echo HTTP/1.1\r\nHost: h\r\nX-Api-Key: static\r\nAuthorization: Bearer t\r\nX-Request-Id: r-1\r\nX-Tenant: t1\r\nContent-Length: 2\r\n\r\n{}",
            Encoding.ASCII.GetString(writer.WrittenSpan));
    }

    [Fact]
    public void DirectWriter_ACallHeaderThatBypassedTheChecks_IsRefusedBeforeAnyByte()
    {
        var writer = new ArrayBufferWriter<byte>();
        var request = new PreEncodedRequest("POST", "/tool/echo", "h");

        Assert.Throws<ArgumentException>(() => Http1RequestWriter.Write(writer, request, new HttpRequestFields { CallHeaders = [new("X-Bad", "a\r\nB: c")] }, "{}"u8));
        Assert.Throws<ArgumentException>(() => Http1RequestWriter.Write(writer, request, new HttpRequestFields { CallHeaders = [new("X Bad", "a")] }, "{}"u8));
        Assert.Equal(0, writer.WrittenCount);
    }

    [Fact]
    public void HttpOptions_NewOptions_ValidateTheirValues()
    {
        var http = new McpServiceOptions().Http;

        Assert.Equal(TimeSpan.FromSeconds(60), http.PooledConnectionIdleTimeout);
        Assert.Equal(HttpProtocolVersion.Http11, http.Version);
        Assert.Null(http.Proxy);
        Assert.Throws<ArgumentOutOfRangeException>(() => http.PooledConnectionIdleTimeout = TimeSpan.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => http.Version = (HttpProtocolVersion)9);
        http.Proxy = new WebProxy();
        Assert.Contains("Http.Proxy has no address", Assert.Throws<ArgumentException>(() => http.Validate()).Message, StringComparison.Ordinal);
        http.Proxy = null;
        http.MessageHandlers.Add(null!);
        Assert.Contains("must not contain null", Assert.Throws<ArgumentException>(() => http.Validate()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CallHeaders_AuthorizationIsRefusedOnlyWhenATokenProviderOwnsIt()
    {
        KeyValuePair<string, string>[] headers = [new("authorization", "Bearer x")];

        Assert.Same(headers, CallHeaders.Check(headers, hasBearerProvider: false));
        var failure = Assert.Throws<Cortex.Mcp.Fast.Errors.TransportFailure>(() => CallHeaders.Check(headers, hasBearerProvider: true));
        Assert.True(failure.NotSent);
        Assert.Null(CallHeaders.Check(null, hasBearerProvider: true));
    }

    [Fact]
    public void CallHeaders_AHeaderTheServiceAlreadySends_IsRefused()
    {
        var service = new RequestHeaders { ["X-Api-Key"] = "k" };

        var failure = Assert.Throws<Cortex.Mcp.Fast.Errors.TransportFailure>(() => CallHeaders.Check([new("x-api-key", "other")], false, service));

        Assert.True(failure.NotSent);
        Assert.Contains("Http.Headers already sends", failure.Message, StringComparison.Ordinal);
        KeyValuePair<string, string>[] distinct = [new("X-Request-Id", "r")];
        Assert.Same(distinct, CallHeaders.Check(distinct, false, service));
    }

    [Fact]
    public void Redactor_MasksTheValuesOfStaticHeadersThatLookLikeCredentials()
    {
        var headers = new RequestHeaders { ["X-Api-Key"] = "k-abcdef", ["X-Tenant"] = "tenant-1" };

        var redacted = new SecretRedactor(null, headers).Redact("invalid key k-abcdef for tenant-1");

        Assert.Equal("invalid key [redacted] for tenant-1", redacted);
    }

    private sealed class PassThrough : DelegatingHandler;
}
