using Cortex.Mcp.Fast.Bench.Headline;
using Cortex.Mcp.Fast.Bench.Infrastructure;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Bench;

/// <summary>
/// The headline contenders, each for a few calls against the real test service and the official C# SDK server
/// (both in this process), with two callers at once: every call must succeed, because each contender checks its
/// reply (status and echo) and throws otherwise. Not a measurement.
/// </summary>
public sealed class HeadlineScenarioSmokeTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private TestMcpService? _service;
    private SdkServerHost? _sdkServer;

    public static TheoryData<string> Contenders() => new(Scenarios.All);

    public async Task InitializeAsync()
    {
        _service = await TestMcpService.StartAsync();
        _sdkServer = await SdkServerHost.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_sdkServer is not null)
        {
            await _sdkServer.DisposeAsync();
        }

        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Contenders))]
    public async Task Contender_FewCallsFromTwoCallers_AllSucceed(string name)
    {
        const int callers = 2, callsEach = 10;
        var endpoints = new ScenarioEndpoints(_service!.BaseAddress, _service.McpAddress, _sdkServer!.Endpoint);
        await using var scenario = await Scenarios.CreateAsync(name, endpoints, callers, CancellationToken.None).WaitAsync(Bound);
        Assert.Equal(name, scenario.Name);
        Assert.Contains(scenario.Baseline, Scenarios.All);

        await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < callsEach; i++)
            {
                await scenario.CallAsync(CancellationToken.None);
            }
        }))).WaitAsync(Bound);
    }

    [Fact]
    public async Task ClosedLoop_RawSocketAndSdkServerBaseline_ZeroErrors()
    {
        var endpoints = new ScenarioEndpoints(_service!.BaseAddress, _service.McpAddress, _sdkServer!.Endpoint);
        foreach (var name in new[] { "raw-socket", "raw-httpclient-mcp-sdkserver" })
        {
            await using var scenario = await Scenarios.CreateAsync(name, endpoints, 4, CancellationToken.None).WaitAsync(Bound);
            var result = await ClosedLoopRunner.RunAsync(scenario, 4, TimeSpan.Zero, TimeSpan.FromMilliseconds(300), serverCpu: null, CancellationToken.None).WaitAsync(Bound);
            Assert.Equal(0, result.Errors);
            Assert.True(result.CallsPerSecond > 0, name);
        }
    }

    [Fact]
    public void Baselines_NewContenders_ComparedAsTheIssueAsks()
    {
        Assert.Equal("raw-httpclient", Scenarios.BaselineOf("raw-socket"));
        Assert.Equal("raw-httpclient-mcp-sdkserver", Scenarios.BaselineOf("cortex-mcp-sdkserver"));
        Assert.Equal("raw-httpclient-mcp-sdkserver", Scenarios.BaselineOf("mcp-sdk-sdkserver"));
        Assert.Equal("raw-httpclient-mcp-sdkserver", Scenarios.BaselineOf("raw-httpclient-mcp-sdkserver"));
    }
}
