using System.CommandLine;
using Cortex.Mcp.Fast.Bench.Infrastructure;
using Spectre.Console;

namespace Cortex.Mcp.Fast.Bench.Headline;

/// <summary>
/// The headline run (no arguments): every contender side by side against the embedded service in a separate
/// process, interleaved over rounds, medians reported, results written to perf-results/.
/// </summary>
public static class HeadlineCommand
{
    private static readonly string[] s_inProcess = ["cortex-sse", "system-net-sse", "cortex-breaker", "polly-breaker"];

    public static void Configure(RootCommand root)
    {
        var json = new Option<string?>("--json") { Description = "Also write the JSON summary to this path." };
        var duration = new Option<double>("--duration") { Description = "Seconds each scenario runs per round.", DefaultValueFactory = _ => 1.5 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of warm-up before each measurement.", DefaultValueFactory = _ => 0.5 };
        var rounds = new Option<int>("--rounds") { Description = "Interleaved rounds; medians are reported.", DefaultValueFactory = _ => 3 };
        var scenarios = new Option<string?>("--scenarios")
        {
            Description = $"Comma-separated subset of: {string.Join(',', Scenarios.All.Concat(s_inProcess))} (default: all). "
                + "REST contenders POST /tool/echo to the embedded service (raw-socket: a bare socket loop, the floor; baseline raw-httpclient); "
                + "cortex-mcp and mcp-sdk call tools/call on its /mcp (baseline mcp-sdk); the *-sdkserver contenders call the official C# SDK "
                + "server (stateless), hosted in the service process (baseline raw-httpclient-mcp-sdkserver: HttpClient, pre-encoded tools/call, SSE reply drained).",
        };
        var concurrency = new Option<string>("--concurrency") { Description = "Comma-separated concurrency levels.", DefaultValueFactory = _ => "1,64" };
        var output = new Option<string?>("--out") { Description = "Directory for the result files (default: the repository's perf-results/)." };
        foreach (var option in new Option[] { json, duration, warmup, rounds, scenarios, concurrency, output })
        {
            root.Options.Add(option);
        }

        root.SetAction(async (parse, cancellationToken) =>
        {
            var selected = (parse.GetValue(scenarios) ?? string.Join(',', Scenarios.All.Concat(s_inProcess)))
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var unknown = selected.Except(Scenarios.All.Concat(s_inProcess)).ToList();
            if (unknown.Count > 0 || parse.GetValue(rounds) < 1 || parse.GetValue(duration) <= 0)
            {
                await Console.Error.WriteLineAsync(unknown.Count > 0 ? $"Unknown scenarios: {string.Join(", ", unknown)}" : "--rounds must be ≥ 1 and --duration > 0.").ConfigureAwait(false);
                return 2;
            }

            var levels = parse.GetValue(concurrency)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();
            var settings = new HeadlineSettings(selected, levels, parse.GetValue(rounds), TimeSpan.FromSeconds(parse.GetValue(duration)), TimeSpan.FromSeconds(parse.GetValue(warmup)));
            var report = await HeadlineRunner.RunAsync(settings, cancellationToken).ConfigureAwait(false);
            Write(report, parse.GetValue(output) ?? ResultPaths.DefaultDirectory(), parse.GetValue(json));
            return report.Scenarios.Any(s => s.Errors > 0) ? 1 : 0;
        });
    }

    private static void Write(HeadlineReport report, string directory, string? jsonPath)
    {
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, ResultPaths.Stem(report.Machine.Date, "headline"));
        var markdown = HeadlineReportWriter.ToMarkdown(report);
        var json = HeadlineReportWriter.ToJson(report);
        File.WriteAllText(stem + ".md", markdown);
        File.WriteAllText(stem + ".json", json);
        var plotted = report.Scenarios.Select(s => s.Concurrency).DefaultIfEmpty(0).Max();
        if (plotted > 0)
        {
            File.WriteAllText(stem + ".svg", HeadlineReportWriter.ToSvg(report, plotted));
        }

        if (jsonPath is not null)
        {
            File.WriteAllText(jsonPath, json);
        }

        var table = new Table().Title($"Headline — {report.Machine.Line}").AddColumns("scenario", "C", "calls/s", "p50 µs", "p99 µs", "B/call", "CPU µs/call", "vs baseline (calls/s · CPU · B)", "items/call", "errors");
        foreach (var s in report.Scenarios)
        {
            var b = report.Scenarios.FirstOrDefault(x => x.Name == s.Baseline && x.Concurrency == s.Concurrency);
            var ratio = b is null || ReferenceEquals(b, s) ? "baseline" : FormattableString.Invariant($"{s.CallsPerSecond / b.CallsPerSecond:0.00}× · {s.CpuMicrosPerCall / b.CpuMicrosPerCall:0.00}× · {s.AllocatedBytesPerCall / b.AllocatedBytesPerCall:0.00}× ({b.Name})");
            table.AddRow(s.Name, s.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), FormattableString.Invariant($"{s.CallsPerSecond:N0}"), FormattableString.Invariant($"{s.P50Micros:N0}"), FormattableString.Invariant($"{s.P99Micros:N0}"), FormattableString.Invariant($"{s.AllocatedBytesPerCall:N0}"), FormattableString.Invariant($"{s.CpuMicrosPerCall:N1}"), ratio, FormattableString.Invariant($"{s.WorkItemsPerCall:0.00}"), s.Errors.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        foreach (var s in report.Sse)
        {
            AnsiConsole.WriteLine(FormattableString.Invariant($"{s.Name}: {s.MegabytesPerSecond:N1} MB/s, {s.EventsPerSecond:N0} events/s, {s.AllocatedBytesPerEvent:N2} B/event"));
        }

        foreach (var b in report.Breaker)
        {
            AnsiConsole.WriteLine(FormattableString.Invariant($"{b.Name}: {b.NanosecondsPerOperation:N1} ns/op, {b.AllocatedBytesPerOperation:N1} B/op"));
        }

        AnsiConsole.WriteLine($"Results: {stem}.md, .json, .svg");
    }
}
