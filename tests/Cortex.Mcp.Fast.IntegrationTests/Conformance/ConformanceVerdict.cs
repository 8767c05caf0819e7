using System.Text.Json;

namespace Cortex.Mcp.Fast.IntegrationTests.Conformance;

/// <summary>One entry of a scenario's <c>checks.json</c>.</summary>
/// <param name="Id">Check id, for example <c>client-sse-retry-timing</c>.</param>
/// <param name="Name">Check name, for example <c>ClientRespectsRetryField</c>.</param>
/// <param name="Status"><c>SUCCESS</c>, <c>FAILURE</c>, <c>WARNING</c> or <c>INFO</c> (a log line, not a verdict).</param>
/// <param name="Description">What the check looks at.</param>
/// <param name="ErrorMessage">Why it failed or warned, when it did.</param>
internal sealed record ConformanceCheck(string Id, string Name, string Status, string? Description, string? ErrorMessage)
{
    /// <summary>Reads <c>checks.json</c>: a JSON array of check objects.</summary>
    public static IReadOnlyList<ConformanceCheck> ParseAll(string json)
    {
        using var document = JsonDocument.Parse(json);
        var checks = new List<ConformanceCheck>();
        foreach (var item in document.RootElement.EnumerateArray())
        {
            checks.Add(new ConformanceCheck(
                Text(item, "id") ?? "?",
                Text(item, "name") ?? "?",
                Text(item, "status") ?? "?",
                Text(item, "description"),
                Text(item, "errorMessage")));
        }

        return checks;
    }

    private static string? Text(JsonElement item, string property) =>
        item.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}

/// <summary>What one run of the suite for one scenario produced.</summary>
/// <param name="Scenario">The scenario name.</param>
/// <param name="Checks">The checks of <c>checks.json</c>, or null when the suite wrote none.</param>
/// <param name="SuiteExitCode">The suite's exit code (0 only when it judged the scenario passed).</param>
/// <param name="ClientExitCode">The client program's exit code as the suite reported it (it reports only non-zero ones).</param>
/// <param name="ClientTimedOut">True when the suite killed the client at its timeout.</param>
internal sealed record ConformanceRun(string Scenario, IReadOnlyList<ConformanceCheck>? Checks, int SuiteExitCode, int ClientExitCode, bool ClientTimedOut);

/// <summary>
/// The pass rule for a client scenario: a <c>checks.json</c> with at least one SUCCESS and no FAILURE or WARNING,
/// a client that exited 0 in time, and a suite that agrees. A run that verified nothing is not a pass.
/// </summary>
internal static class ConformanceVerdict
{
    /// <summary>Every reason the run is not a pass; empty when it passed.</summary>
    public static IReadOnlyList<string> Problems(ConformanceRun run)
    {
        var problems = new List<string>();
        if (run.Checks is null)
        {
            problems.Add("the suite wrote no checks.json");
        }
        else
        {
            foreach (var check in run.Checks)
            {
                if (check.Status is "FAILURE" or "WARNING")
                {
                    problems.Add($"{check.Status} {check.Name} ({check.Id}): {check.ErrorMessage ?? check.Description}");
                }
            }

            if (!run.Checks.Any(check => check.Status == "SUCCESS"))
            {
                problems.Add($"no SUCCESS check among {run.Checks.Count}: nothing was verified");
            }
        }

        if (run.ClientTimedOut)
        {
            problems.Add("the client timed out");
        }
        else if (run.ClientExitCode != 0)
        {
            problems.Add($"the client exited with code {run.ClientExitCode}");
        }

        if (run.SuiteExitCode != 0 && problems.Count == 0)
        {
            problems.Add($"the suite exited with code {run.SuiteExitCode}");
        }

        return problems;
    }
}
