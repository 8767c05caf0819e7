using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.LegacySse;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.LegacySse;

/// <summary>
/// The legacy transport's rules against a scripted Kestrel server: same-origin endpoints only, the
/// backwards-compatibility probe (which 4xx answers are a legacy signal), and reopening an ended stream.
/// </summary>
public sealed class LegacySseRulesTests
{
    private const string Service = "scripted-sse";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("http://127.0.0.2:{port}/message")]
    [InlineData("http://localhost:{port}/message")]
    [InlineData("https://127.0.0.1:{port}/message")]
    [InlineData("//127.0.0.1:1/message")]
    public async Task EndpointEvent_OnAnotherOrigin_IsRefusedAndNothingIsPosted(string announced)
    {
        await using var server = await ScriptedLegacyServer.StartAsync();
        server.AnnouncedEndpoint = announced.Replace("{port}", server.SseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        await using var client = await LegacyClients.CreateAsync(Service, server.SseUrl, McpProtocol.LegacySse);

        var ex = await Assert.ThrowsAsync<ServiceProtocolException>(() => client.ListToolsAsync(Service).AsTask().WaitAsync(s_bound));
        Assert.Contains("another origin", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, server.MessagePosts);
    }

    [Fact]
    public void ResolveEndpoint_RelativeAndSameOrigin_Accepted()
    {
        var stream = new Uri("http://127.0.0.1:5000/base/sse");
        Assert.Equal(new Uri("http://127.0.0.1:5000/message?sessionId=a"), LegacySseConnection.ResolveEndpoint(stream, "/message?sessionId=a"));
        Assert.Equal(new Uri("http://127.0.0.1:5000/base/message"), LegacySseConnection.ResolveEndpoint(stream, "message"));
        Assert.Equal(new Uri("http://127.0.0.1:5000/m"), LegacySseConnection.ResolveEndpoint(stream, "http://127.0.0.1:5000/m"));
        Assert.Throws<TransportFailure>(() => LegacySseConnection.ResolveEndpoint(stream, "  "));
    }

    [Theory]
    [InlineData(404)]
    [InlineData(405)]
    public async Task Probe_InitializePostRefusedWith4xx_FallsBackToLegacyOnce(int status)
    {
        await using var server = await ScriptedLegacyServer.StartAsync();
        server.ProbeAnswer = (status, null);
        await using var client = await LegacyClients.CreateAsync(Service, server.SseUrl, McpProtocol.StreamableHttpOrLegacySse);
        using var timeout = new CancellationTokenSource(s_bound);

        var tools = await client.ListToolsAsync(Service, timeout.Token);
        Assert.Equal("noop", Assert.Single(tools).Name);
        var info = await client.GetServerInfoAsync(Service, timeout.Token);
        Assert.Equal(LegacySseTransport.ProtocolVersion, info.ProtocolVersion);

        // Remembered: one probe POST, one stream; later operations go straight to the legacy transport.
        Assert.Equal(1, server.StreamPosts);
        Assert.Equal(1, server.StreamGets);
    }

    [Fact]
    public async Task Probe_400WithJsonRpcError_IsNotALegacySignal()
    {
        // What a Streamable HTTP server (server-everything) says to a POST it cannot place in a session.
        await using var server = await ScriptedLegacyServer.StartAsync();
        server.ProbeAnswer = (400, """{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}""");
        await using var client = await LegacyClients.CreateAsync(Service, server.SseUrl, McpProtocol.StreamableHttpOrLegacySse);

        var ex = await Assert.ThrowsAnyAsync<ServiceCallException>(() => client.ListToolsAsync(Service).AsTask().WaitAsync(s_bound));
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal(0, server.StreamGets);
    }

    [Fact]
    public async Task Probe_4xxButNoLegacyStream_ReportsThePostsRefusal()
    {
        await using var server = await ScriptedLegacyServer.StartAsync();
        server.ProbeAnswer = (405, null);
        server.StreamRefusal = 404;
        await using var client = await LegacyClients.CreateAsync(Service, server.SseUrl, McpProtocol.StreamableHttpOrLegacySse);

        var ex = await Assert.ThrowsAnyAsync<ServiceCallException>(() => client.ListToolsAsync(Service).AsTask().WaitAsync(s_bound));
        Assert.Equal(405, ex.StatusCode);
        Assert.Equal(1, server.StreamGets);
    }

    [Fact]
    public async Task StrictStreamableHttp_NeverProbes()
    {
        await using var server = await ScriptedLegacyServer.StartAsync();
        server.ProbeAnswer = (405, null);
        await using var client = await LegacyClients.CreateAsync(Service, server.SseUrl, McpProtocol.StreamableHttp);

        var ex = await Assert.ThrowsAnyAsync<ServiceCallException>(() => client.ListToolsAsync(Service).AsTask().WaitAsync(s_bound));
        Assert.Equal(405, ex.StatusCode);
        Assert.Equal(0, server.StreamGets);
    }

    [Fact]
    public async Task StreamEnded_NextRequestReopensStreamAndHandshake()
    {
        await using var server = await ScriptedLegacyServer.StartAsync();
        server.EndStreamAfterToolsList = true;
        await using var transport = new LegacySseTransport(Service, server.SseUrl, new McpServiceOptions { Protocol = McpProtocol.LegacySse }, TimeProvider.System);
        using var timeout = new CancellationTokenSource(s_bound);

        Assert.Single(await transport.ListToolsAsync(timeout.Token));
        var first = transport.MessageEndpoint;
        // The server dropped the stream after that response: the transport sees it end (an explicit signal, no sleep).
        await transport.StreamCompletion!.WaitAsync(timeout.Token);

        var info = await transport.GetServerInfoAsync(timeout.Token);
        Assert.Equal("scripted-legacy", info.Name);
        Assert.Equal(2, transport.Connections);
        Assert.Equal(2, server.StreamGets);
        Assert.NotEqual(first, transport.MessageEndpoint); // a new stream announces a new session's URL
    }

    [Fact]
    public async Task StreamRefused_FailsTypedWithTheStatusAtOnce()
    {
        await using var server = await ScriptedLegacyServer.StartAsync();
        server.StreamRefusal = 503;
        await using var client = await LegacyClients.CreateAsync(Service, server.SseUrl, McpProtocol.LegacySse);

        var ex = await Assert.ThrowsAnyAsync<ServiceCallException>(() => client.ListToolsAsync(Service).AsTask().WaitAsync(s_bound));
        Assert.Equal(503, ex.StatusCode);
        Assert.Equal(1, server.StreamGets); // a refusal is an answer, not a broken connection: not tried again
    }

    [Fact]
    public async Task StreamBreaksEveryTime_TriesThreeTimesWithBackoff_ThenFailsTyped()
    {
        await using var server = await ScriptedLegacyServer.StartAsync();
        server.AbortStreams = true;
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var transport = new LegacySseTransport(Service, server.SseUrl, new McpServiceOptions { Protocol = McpProtocol.LegacySse }, clock);
        using var timeout = new CancellationTokenSource(s_bound);

        var list = transport.ListToolsAsync(timeout.Token).AsTask();
        await server.StreamRequested(1).WaitAsync(timeout.Token);
        Assert.False(list.IsCompleted);
        // Each further try waits the reconnect backoff on the service's clock (1 s, then 2 s): nothing before that.
        await AdvanceUntilAsync(clock, server.StreamRequested(2), timeout.Token);
        await AdvanceUntilAsync(clock, server.StreamRequested(3), timeout.Token);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => list.WaitAsync(timeout.Token));
        Assert.Contains($"in {LegacySseTransport.MaxConnectAttempts} attempts", failure.Message, StringComparison.Ordinal);
        Assert.Equal(LegacySseTransport.MaxConnectAttempts, server.StreamGets);
    }

    /// <summary>Moves the fake clock in 250 ms steps until <paramref name="signal"/> completes (the backoff timer fired and the next GET arrived).</summary>
    private static async Task AdvanceUntilAsync(FakeTimeProvider clock, Task signal, CancellationToken cancellationToken)
    {
        while (!signal.IsCompleted)
        {
            clock.Advance(TimeSpan.FromMilliseconds(250));
            await Task.WhenAny(signal, Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken));
        }
    }
}
