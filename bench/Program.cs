using System.CommandLine;
using BenchmarkDotNet.Running;
using Cortex.Mcp.Fast.Bench.Headline;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench</c>: the headline comparison. <c>-- micro [BenchmarkDotNet args]</c>:
/// the BenchmarkDotNet suites. <c>-- load …</c>: the load-test harness. <c>serve</c>: the embedded test service as a
/// process (used by the other commands); <c>serve --sdk-server …</c> also hosts the official C# SDK server (stateless)
/// in the same process and prints <c>SDKSERVER http://127.0.0.1:PORT/mcp</c> before the <c>LISTENING</c> line.
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
            return await ServeAsync(args[1..]).ConfigureAwait(false);
        }

        var root = new RootCommand("Cortex.Mcp.Fast benchmarks. With no command: the headline comparison — every contender against the embedded service (and the official C# SDK server, hosted beside it), interleaved rounds, medians, results in perf-results/.");
        HeadlineCommand.Configure(root);
        root.Subcommands.Add(Load.LoadCommand.Create());
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }

    private static async Task<int> ServeAsync(string[] args)
    {
        if (!args.Contains("--sdk-server"))
        {
            return await TestMcpServiceHost.RunAsync(args).ConfigureAwait(false);
        }

        await using var sdk = await Infrastructure.SdkServerHost.StartAsync(CancellationToken.None).ConfigureAwait(false);
        await Console.Out.WriteLineAsync(Infrastructure.SdkServerHost.ListeningPrefix + sdk.Endpoint).ConfigureAwait(false);
        await Console.Out.FlushAsync().ConfigureAwait(false);
        return await TestMcpServiceHost.RunAsync([.. args.Where(a => a != "--sdk-server")]).ConfigureAwait(false);
    }
}
