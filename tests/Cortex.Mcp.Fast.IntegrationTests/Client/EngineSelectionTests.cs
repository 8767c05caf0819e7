using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>
/// <see cref="HttpOptions.Engine"/> really selects the engine: the direct engine pre-opens connections without a
/// request (it has a connect call), while <see cref="SocketsHttpHandler"/> can only open them by sending requests.
/// </summary>
public sealed class EngineSelectionTests
{
    [Fact]
    public async Task DirectEngine_ConnectPreOpensConnectionsWithoutSendingARequest()
    {
        await using var h = await ClientHarness.StartAsync(HttpEngineKind.Direct, o => o.DefaultServiceOptions.Http.MinConnections = 3);

        await h.Client.ConnectAsync("svc", h.Timeout);
        await h.Service.Counters.WaitForOpenConnectionsAsync(3, h.Timeout);

        Assert.Equal(3, h.Client.GetDiagnostics().Services["svc"].OpenConnections);
        Assert.Equal(0, h.Service.Counters.TotalRequests);
        using var result = await h.Call("echo", """{"a":1}""");
        Assert.Equal(1, result.Json.GetProperty("echo").GetProperty("a").GetInt32());
        Assert.Equal(3, h.Service.Counters.AcceptedConnections); // the call used a pre-opened connection
    }

    [Fact]
    public async Task DefaultEngine_ConnectPreOpensConnectionsWithRequests()
    {
        await using var h = await ClientHarness.StartAsync(HttpEngineKind.SocketsHttpHandler, o => o.DefaultServiceOptions.Http.MinConnections = 3);

        await h.Client.ConnectAsync("svc", h.Timeout);
        await h.Service.Counters.WaitForOpenConnectionsAsync(3, h.Timeout);

        Assert.Equal(3, h.Service.Counters.TotalRequests);
    }

    [Theory]
    [InlineData(HttpEngineKind.SocketsHttpHandler, typeof(SocketsHttpEngine))]
    [InlineData(HttpEngineKind.Direct, typeof(DirectHttpEngine))]
    public async Task HttpEngines_CreatesTheChosenEngine(HttpEngineKind kind, Type expected)
    {
        var options = new McpServiceOptions();
        options.Http.Engine = kind;

        await using var engine = HttpEngines.Create(new Uri("http://127.0.0.1:1/mcp"), options, 4, TimeProvider.System);

        Assert.IsType(expected, engine);
        Assert.Equal(new Uri("http://127.0.0.1:1/mcp/"), engine.BaseAddress);
    }

    [Fact]
    public void Engine_UnknownValue_IsRefused()
    {
        var options = new McpServiceOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.Http.Engine = (HttpEngineKind)7);
    }
}
