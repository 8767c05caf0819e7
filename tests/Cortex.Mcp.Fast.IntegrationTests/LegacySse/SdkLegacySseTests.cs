using System.Text.Json;
using Cortex.Mcp.Fast.IntegrationTests.Interop;
using Cortex.Mcp.Fast.Transports.LegacySse;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace Cortex.Mcp.Fast.IntegrationTests.LegacySse;

// The SDK marks its legacy SSE endpoints obsolete (no request backpressure); serving one is this test's purpose.
#pragma warning disable MCP9004

/// <summary>
/// The legacy HTTP+SSE transport against the official C# SDK server (ModelContextProtocol.AspNetCore) with its
/// legacy endpoints switched on (<c>EnableLegacySse</c>: GET <c>/mcp/sse</c>, POST <c>/mcp/message</c>), in Kestrel on
/// 127.0.0.1 port 0. The same server also speaks Streamable HTTP at <c>/mcp</c>, where the probe must not fall back.
/// </summary>
public sealed class SdkLegacySseTests : IAsyncLifetime
{
    private const string Service = "sdk-sse";
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);
    private WebApplication? _app;
    private Uri _mcp = null!;

    public async Task InitializeAsync()
    {
        var (app, baseAddress) = await LegacyClients.StartKestrelAsync(
            services => services
                .AddMcpServer(o => o.ServerInfo = new Implementation { Name = "cortex-legacy-sdk", Version = "1.0.0" })
                .WithHttpTransport(o =>
                {
                    // Legacy SSE needs server-side sessions (the GET and the POSTs meet in one).
                    o.SessionMode = HttpServerSessionMode.Stateful;
                    o.EnableLegacySse = true;
                })
                .WithTools<SdkInteropTools>()
                .WithTools<SdkClientFeatureTools>(),
            web => web.MapMcp("/mcp"));
        _app = app;
        _mcp = new Uri(baseAddress, "/mcp");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await LegacyClients.StopAsync(_app);
        }
    }

    [Fact]
    public async Task LegacySse_ListCallAndServerInfo_Succeed()
    {
        await using var client = await LegacyClients.CreateAsync(Service, new Uri(_mcp + "/sse"), McpProtocol.LegacySse);
        using var timeout = new CancellationTokenSource(s_bound);

        var info = await client.GetServerInfoAsync(Service, timeout.Token);
        Assert.Equal("cortex-legacy-sdk", info.Name);
        Assert.Equal(LegacySseTransport.ProtocolVersion, info.ProtocolVersion);

        var tools = await client.ListToolsAsync(Service, timeout.Token);
        Assert.Contains(tools, t => t.Name == "echo");
        Assert.Contains(tools, t => t.Name == "elicit");

        using var args = JsonDocument.Parse("""{"a":40,"b":2}""");
        using var sum = await client.CallToolAsync(Service, "add", args.RootElement, cancellationToken: timeout.Token);
        Assert.Contains("The sum of 40 and 2 is 42.", sum.Json.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LegacySse_ElicitationDuringCall_AnsweredByTypedHandlerOverPost()
    {
        var asked = 0;
        await using var client = await LegacyClients.CreateAsync(Service, new Uri(_mcp + "/sse"), McpProtocol.LegacySse, o =>
        {
            o.ApplyElicitationDefaults = true;
            o.ElicitationHandler = (request, _) =>
            {
                Interlocked.Increment(ref asked);
                Assert.Equal("Pick a colour", request.Message);
                return ValueTask.FromResult(McpElicitationResult.Accept(new Dictionary<string, JsonElement> { ["color"] = JsonSerializer.SerializeToElement("red") }));
            };
        });
        using var timeout = new CancellationTokenSource(s_bound);

        // The server's elicitation/create arrives on the legacy stream; our answer is POSTed to the message URL.
        using var result = await client.CallToolAsync(Service, "elicit", cancellationToken: timeout.Token);
        Assert.Equal("action=accept;content=color=\"red\",count=3", result.Json.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(1, asked);
    }

    [Fact]
    public async Task Probe_StreamableHttpServer_StaysOnStreamableHttp()
    {
        await using var client = await LegacyClients.CreateAsync(Service, _mcp, McpProtocol.StreamableHttpOrLegacySse);
        using var timeout = new CancellationTokenSource(s_bound);

        // The initialize POST succeeds: no fallback, and the handshake revision is a Streamable HTTP one.
        var info = await client.GetServerInfoAsync(Service, timeout.Token);
        Assert.NotEqual(LegacySseTransport.ProtocolVersion, info.ProtocolVersion);
        using var args = JsonDocument.Parse("""{"message":"modern"}""");
        using var echo = await client.CallToolAsync(Service, "echo", args.RootElement, cancellationToken: timeout.Token);
        Assert.Contains("Echo: modern", echo.Json.GetRawText(), StringComparison.Ordinal);
    }
}
