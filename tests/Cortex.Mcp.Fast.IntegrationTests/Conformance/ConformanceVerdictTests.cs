namespace Cortex.Mcp.Fast.IntegrationTests.Conformance;

/// <summary>The pass rule of <see cref="ClientScenarioTests"/>, on checks.json contents written by hand.</summary>
public sealed class ConformanceVerdictTests
{
    private static readonly ConformanceCheck s_success = new("tool-add-numbers", "ToolAddNumbers", "SUCCESS", "add_numbers works", null);
    private static readonly ConformanceCheck s_info = new("incoming-request", "IncomingRequest", "INFO", "Received POST", null);

    [Fact]
    public void Problems_SuccessAndInfoWithCleanExits_IsEmpty()
    {
        Assert.Empty(ConformanceVerdict.Problems(Run([s_info, s_success])));
    }

    [Fact]
    public void Problems_NoChecks_SaysNothingWasVerified()
    {
        var problem = Assert.Single(ConformanceVerdict.Problems(Run([])));
        Assert.Contains("nothing was verified", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_OnlyInfoChecks_SaysNothingWasVerified()
    {
        var problem = Assert.Single(ConformanceVerdict.Problems(Run([s_info, s_info])));
        Assert.Contains("no SUCCESS check among 2", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_FailureAndWarning_NameEachCheckAndItsMessage()
    {
        var failure = new ConformanceCheck("client-sse-graceful-reconnect", "ClientGracefulReconnect", "FAILURE", "reconnects", "did not reconnect");
        var warning = new ConformanceCheck("client-sse-retry-timing", "ClientRespectsRetryField", "WARNING", "waits retry", "slightly late (720ms)");

        var problems = ConformanceVerdict.Problems(Run([s_success, failure, warning], suiteExitCode: 1));

        Assert.Equal(
            [
                "FAILURE ClientGracefulReconnect (client-sse-graceful-reconnect): did not reconnect",
                "WARNING ClientRespectsRetryField (client-sse-retry-timing): slightly late (720ms)",
            ],
            problems);
    }

    [Fact]
    public void Problems_ClientExitedNonZero_FailsEvenWithSuccessfulChecks()
    {
        var problem = Assert.Single(ConformanceVerdict.Problems(Run([s_success], suiteExitCode: 1, clientExitCode: 2)));
        Assert.Equal("the client exited with code 2", problem);
    }

    [Fact]
    public void Problems_ClientTimedOut_Fails()
    {
        var problem = Assert.Single(ConformanceVerdict.Problems(Run([s_success], suiteExitCode: 1, clientTimedOut: true)));
        Assert.Equal("the client timed out", problem);
    }

    [Fact]
    public void Problems_NoChecksFile_Fails()
    {
        var problems = ConformanceVerdict.Problems(new ConformanceRun("tools_call", null, 1, 0, false));
        Assert.Equal(["the suite wrote no checks.json"], problems);
    }

    [Fact]
    public void Problems_SuiteFailedForAnotherReason_Fails()
    {
        var problem = Assert.Single(ConformanceVerdict.Problems(Run([s_success], suiteExitCode: 1)));
        Assert.Equal("the suite exited with code 1", problem);
    }

    [Fact]
    public void ParseAll_SuiteShapedJson_ReadsStatusNamesAndMessages()
    {
        const string Json = """
            [
              { "id": "mcp-client-initialization", "name": "MCPClientInitialization", "status": "SUCCESS",
                "description": "Validates that MCP client properly initializes", "timestamp": "2026-12-06T10:14:29.770Z",
                "details": { "clientName": "x" } },
              { "id": "client-sse-last-event-id", "name": "ClientSendsLastEventId", "status": "WARNING",
                "description": "Client SHOULD send Last-Event-ID", "errorMessage": "no Last-Event-ID" }
            ]
            """;

        var checks = ConformanceCheck.ParseAll(Json);

        Assert.Equal(
            [
                new ConformanceCheck("mcp-client-initialization", "MCPClientInitialization", "SUCCESS", "Validates that MCP client properly initializes", null),
                new ConformanceCheck("client-sse-last-event-id", "ClientSendsLastEventId", "WARNING", "Client SHOULD send Last-Event-ID", "no Last-Event-ID"),
            ],
            checks);
    }

    private static ConformanceRun Run(ConformanceCheck[] checks, int suiteExitCode = 0, int clientExitCode = 0, bool clientTimedOut = false) =>
        new("tools_call", checks, suiteExitCode, clientExitCode, clientTimedOut);
}
