using System.CommandLine;
using BenchmarkDotNet.Running;
using Cortex.Mcp.Fast.Bench.Headline;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench</c>: the headline comparison. <c>-- micro [BenchmarkDotNet args]</c>:
/// the BenchmarkDotNet suites. <c>-- load …</c>: the load-test harness. <c>serve</c>: the embedded test service as a
/// process (used by the other commands).
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "micro")
        {
            // BenchmarkDotNet parses its own arguments (--filter, --job, …).
            var started = TimeProvider.System.GetUtcNow().UtcDateTime;
            var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
            Micro.MicroReports.CopyToResults(summaries, args[1..], started);
            return 0;
        }

        if (args.Length > 0 && args[0] == "serve")
        {
            return await TestMcpServiceHost.RunAsync(args[1..]).ConfigureAwait(false);
        }

        var root = new RootCommand("Cortex.Mcp.Fast benchmarks. With no command: the headline comparison against the embedded service.");
        HeadlineCommand.Configure(root);
        root.Subcommands.Add(Load.LoadCommand.Create());
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
