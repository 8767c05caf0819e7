using BenchmarkDotNet.Reports;
using Cortex.Mcp.Fast.Bench.Infrastructure;

namespace Cortex.Mcp.Fast.Bench.Micro;

/// <summary>Copies each suite's GitHub-markdown report to perf-results/ with the machine line and the command.</summary>
public static class MicroReports
{
    public static void CopyToResults(IEnumerable<Summary> summaries, string[] arguments, DateTime startedUtc)
    {
        var machine = MachineInfo.Current(TimeProvider.System);
        var directory = ResultPaths.DefaultDirectory();
        Directory.CreateDirectory(directory);
        foreach (var summary in summaries)
        {
            // Only reports this run wrote: the results folder keeps those of earlier runs.
            foreach (var report in Directory.EnumerateFiles(summary.ResultsDirectoryPath, "*-report-github.md").Where(f => File.GetLastWriteTimeUtc(f) >= startedUtc))
            {
                var suite = Path.GetFileName(report).Replace("-report-github.md", string.Empty, StringComparison.Ordinal).Split('.').Last();
                var target = Path.Combine(directory, ResultPaths.Stem(machine.Date, suite) + "-report-github.md");
                var header = $"# {suite}\n\nMachine: {machine.Line}. Command: `dotnet run -c Release --project bench -- micro {string.Join(' ', arguments)}`.\n\n";
                File.WriteAllText(target, header + File.ReadAllText(report));
                Console.WriteLine($"Copied {suite} report to {target}");
            }
        }
    }
}
