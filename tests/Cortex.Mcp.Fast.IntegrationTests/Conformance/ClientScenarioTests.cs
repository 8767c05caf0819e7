using Xunit.Abstractions;

namespace Cortex.Mcp.Fast.IntegrationTests.Conformance;

/// <summary>
/// The official MCP conformance suite's client scenarios, one test each, run against our client program
/// (tests/conformance). The <c>auth/*</c> scenarios need OAuth, which the client does not do yet, and are not run.
/// </summary>
/// <remarks>
/// A scenario passes only when its checks.json has at least one SUCCESS and no FAILURE or WARNING, and the client
/// exited 0 in time (<see cref="ConformanceVerdict"/>). The collection runs alone, after the parallel tests: the
/// sse-retry scenario measures the client's reconnect delay to within 200 ms.
/// </remarks>
[Collection(ConformanceGroup.Name)]
public sealed class ClientScenarioTests(ITestOutputHelper output)
{
    /// <summary>Every non-auth client scenario of the pinned suite, each with a test below.</summary>
    private static readonly string[] s_scenarios = ["initialize", "tools_call", "elicitation-sep1034-client-defaults", "sse-retry"];

    [Fact]
    public Task Initialize_HandshakeAndClientInfo_PassesEveryCheck() => AssertScenarioPassesAsync("initialize");

    [Fact]
    public Task ToolsCall_AddNumbers_PassesEveryCheck() => AssertScenarioPassesAsync("tools_call");

    [Fact]
    public Task SseRetry_ResumesAfterRetryWithLastEventId_PassesEveryCheck() => AssertScenarioPassesAsync("sse-retry");

    [Fact]
    public Task ElicitationSep1034ClientDefaults_AcceptedEmptyForm_PassesEveryCheck() =>
        AssertScenarioPassesAsync("elicitation-sep1034-client-defaults");

    [Fact]
    public async Task ClientScenarioList_EveryNonAuthScenario_HasATest()
    {
        var listed = await ConformanceSuite.ListClientScenariosAsync();
        var nonAuth = listed.Where(name => !name.StartsWith("auth/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

        Assert.True(listed.Count > nonAuth.Count, $"expected auth/* scenarios in the list too; got: {string.Join(", ", listed)}");
        Assert.Equal(s_scenarios.Order(StringComparer.Ordinal), nonAuth);
    }

    private async Task AssertScenarioPassesAsync(string scenario)
    {
        Assert.Contains(scenario, s_scenarios);
        var (run, suiteOutput) = await ConformanceSuite.RunClientScenarioAsync(scenario);
        output.WriteLine(suiteOutput);

        var problems = ConformanceVerdict.Problems(run);
        if (problems.Count > 0)
        {
            Assert.Fail(
                $"conformance scenario '{scenario}' failed:{Environment.NewLine}  - " +
                string.Join($"{Environment.NewLine}  - ", problems) +
                $"{Environment.NewLine}Suite output:{Environment.NewLine}{suiteOutput}");
        }
    }
}

/// <summary>The conformance scenarios run one at a time, with no other test collection running.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConformanceGroup
{
    /// <summary>Collection name.</summary>
    public const string Name = "conformance-suite";
}
