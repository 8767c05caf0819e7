using Cortex.Mcp.Fast.Bench.Infrastructure;
using HdrHistogram;
using Spectre.Console;

namespace Cortex.Mcp.Fast.Bench.Headline;

/// <summary>What to run.</summary>
public sealed record HeadlineSettings(IReadOnlyList<string> Scenarios, IReadOnlyList<int> Concurrency, int Rounds, TimeSpan Duration, TimeSpan Warmup);

/// <summary>
/// Runs the headline: starts the service process, then for each round runs every (scenario, concurrency) pair in
/// turn — interleaved, so drift on a shared machine hits all contenders alike — and reports per-metric medians.
/// </summary>
public static class HeadlineRunner
{
    public static async Task<HeadlineReport> RunAsync(HeadlineSettings settings, CancellationToken cancellationToken)
    {
        var machine = MachineInfo.Current(TimeProvider.System);
        var network = settings.Scenarios.Where(Scenarios.All.Contains).ToList();
        var steps = new List<(int Round, string Name, int Concurrency)>();
        for (var round = 0; round < settings.Rounds; round++)
        {
            // Rotate the order each round so no contender always runs first (or right after a noisy one).
            var order = network.Skip(round % Math.Max(1, network.Count)).Concat(network.Take(round % Math.Max(1, network.Count)));
            steps.AddRange(from name in order from c in settings.Concurrency select (round, name, c));
        }

        var results = new Dictionary<(string, int), List<RunResult>>();
        var sse = new Dictionary<string, List<SseResult>>();
        var breaker = new Dictionary<string, List<BreakerResult>>();
        var progress = new Progress(settings, steps.Count);
        if (network.Count > 0)
        {
            // The official C# SDK server is hosted in the service process only when a contender calls it.
            string[] serve = network.Any(Scenarios.NeedsSdkServer) ? ["--port", "0", "--sdk-server"] : ["--port", "0"];
            await using var service = await ServiceProcess.StartAsync(serve, cancellationToken).ConfigureAwait(false);
            var endpoints = new ScenarioEndpoints(service.BaseAddress, new Uri(service.BaseAddress, "mcp"), service.SdkServerEndpoint);

            // One pass over every contender first, so that JIT tiering (tier-0 → tier-1 with dynamic PGO) has
            // settled for all of them before anything is measured; the first-measured contender would pay it alone.
            // The service process warms up here too.
            foreach (var name in network)
            {
                foreach (var concurrency in settings.Concurrency)
                {
                    progress.Note($"warm-up · {name} C={concurrency}");
                    await using var scenario = await Scenarios.CreateAsync(name, endpoints, concurrency, cancellationToken).ConfigureAwait(false);
                    await RunRoundAsync(scenario, concurrency, TimeSpan.Zero, settings.Warmup * 2, null, cancellationToken).ConfigureAwait(false);
                }
            }

            foreach (var (round, name, concurrency) in steps)
            {
                progress.Step($"round {round + 1}/{settings.Rounds} · {name} C={concurrency}");
                await using var scenario = await Scenarios.CreateAsync(name, endpoints, concurrency, cancellationToken).ConfigureAwait(false);
                var result = await RunRoundAsync(scenario, concurrency, settings.Warmup, settings.Duration, () => service.CpuTime, cancellationToken).ConfigureAwait(false);
                Add(results, (name, concurrency), result);
            }
        }

        for (var round = 0; round < settings.Rounds; round++)
        {
            foreach (var name in settings.Scenarios.Where(n => n.EndsWith("-sse", StringComparison.Ordinal)))
            {
                progress.Note($"round {round + 1}/{settings.Rounds} · {name}");
                Add(sse, name, await InProcessRuns.RunSseAsync(name, settings.Duration / 4).ConfigureAwait(false));
            }

            foreach (var name in settings.Scenarios.Where(n => n.EndsWith("-breaker", StringComparison.Ordinal)))
            {
                progress.Note($"round {round + 1}/{settings.Rounds} · {name}");
                Add(breaker, name, InProcessRuns.RunBreaker(name, settings.Duration / 4));
            }
        }

        var summaries = new List<ScenarioSummary>();
        foreach (var name in network)
        {
            foreach (var c in settings.Concurrency)
            {
                if (!results.TryGetValue((name, c), out var runs))
                {
                    continue;
                }

                var merged = new LongHistogram(60_000_000, 3);
                foreach (var run in runs)
                {
                    merged.Add(run.Histogram);
                }

                var baseline = Scenarios.BaselineOf(name);
                results.TryGetValue((baseline, c), out var baselineRuns);
                results.TryGetValue(("raw-socket", c), out var floorRuns);
                summaries.Add(new ScenarioSummary(
                    name, baseline, c,
                    Median(runs, r => r.CallsPerSecond), Median(runs, r => r.P50Micros), Median(runs, r => r.P90Micros),
                    Median(runs, r => r.P99Micros), runs.Max(r => r.MaxMicros), Median(runs, r => r.AllocatedBytesPerCall),
                    Median(runs, r => r.CpuMicrosPerCall), Median(runs, r => r.ServerCpuMicrosPerCall), Median(runs, r => r.WorkItemsPerCall), Median(runs, r => r.LockContentionsPerCall), runs.Sum(r => r.Errors),
                    PairedCpuRatio(runs, baselineRuns), PairedCpuRatio(runs, floorRuns),
                    merged.TotalCount == 0 ? [] : PercentilePlot.Spectrum(p => merged.GetValueAtPercentile(p))));
            }
        }

        return new HeadlineReport(
            machine, settings.Rounds, settings.Duration, summaries,
            sse.Select(p => new SseResult(p.Key, Median(p.Value, r => r.MegabytesPerSecond), Median(p.Value, r => r.EventsPerSecond), Median(p.Value, r => r.AllocatedBytesPerEvent))).ToList(),
            breaker.Select(p => new BreakerResult(p.Key, Median(p.Value, r => r.NanosecondsPerOperation), Median(p.Value, r => r.AllocatedBytesPerOperation))).ToList());
    }

    /// <summary>One closed-loop run between the scenario's round hooks (process-wide listeners on only for it).</summary>
    private static async Task<RunResult> RunRoundAsync(CallScenario scenario, int concurrency, TimeSpan warmup, TimeSpan duration, Func<TimeSpan>? serverCpu, CancellationToken cancellationToken)
    {
        await scenario.BeginRoundAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await ClosedLoopRunner.RunAsync(scenario, concurrency, warmup, duration, serverCpu, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await scenario.EndRoundAsync().ConfigureAwait(false);
        }
    }

    private static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> map, TKey key, TValue value)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(value);
    }

    /// <summary>
    /// The median over rounds of this scenario's CPU per call divided by <paramref name="reference"/>'s in the same
    /// round (run seconds apart, so the machine's drift between rounds cancels out); NaN without a reference.
    /// </summary>
    private static double PairedCpuRatio(List<RunResult> runs, List<RunResult>? reference) =>
        reference is null || reference.Count != runs.Count || ReferenceEquals(runs, reference)
            ? double.NaN
            : Median(runs.Zip(reference, (r, b) => r.CpuMicrosPerCall / b.CpuMicrosPerCall).ToList(), x => x);

    private static double Median<T>(IReadOnlyList<T> values, Func<T, double> selector)
    {
        var sorted = values.Select(selector).Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Progress as plain lines: what runs, how many steps remain and a time estimate.</summary>
    private sealed class Progress(HeadlineSettings settings, int networkSteps)
    {
        private int _done;

        public void Step(string what)
        {
            var remaining = networkSteps - _done;
            var eta = TimeSpan.FromSeconds(remaining * (settings.Duration + settings.Warmup).TotalSeconds);
            _done++;
            AnsiConsole.MarkupLineInterpolated(System.Globalization.CultureInfo.InvariantCulture, $"[grey][[{_done}/{networkSteps}]][/] {what} [grey](~{eta.TotalSeconds:0} s left for network scenarios)[/]");
        }

        public void Note(string what) => AnsiConsole.MarkupLineInterpolated(System.Globalization.CultureInfo.InvariantCulture, $"[grey][[in-process]][/] {what}");
    }
}
