using System.Globalization;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Bench.Infrastructure;

namespace Cortex.Mcp.Fast.Bench.Headline;

/// <summary>The medians of a headline run and how they are written (Markdown, JSON with fixed keys, SVG).</summary>
public sealed record HeadlineReport(MachineInfo Machine, int Rounds, TimeSpan Duration, IReadOnlyList<ScenarioSummary> Scenarios, IReadOnlyList<SseResult> Sse, IReadOnlyList<BreakerResult> Breaker);

/// <summary>Medians over the rounds of one scenario at one concurrency.</summary>
public sealed record ScenarioSummary(string Name, string Baseline, int Concurrency, double CallsPerSecond, double P50Micros, double P90Micros, double P99Micros, double MaxMicros, double AllocatedBytesPerCall, double CpuMicrosPerCall, double ServerCpuMicrosPerCall, double WorkItemsPerCall, double LockContentionsPerCall, long Errors, double CpuVsBaselinePaired, double CpuVsFloorPaired, IReadOnlyList<(double Percentile, double Micros)> Spectrum);

public static class HeadlineReportWriter
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    public static string ToMarkdown(HeadlineReport report)
    {
        var md = new StringBuilder();
        md.AppendLine("# Headline benchmark").AppendLine();
        md.Append(s_inv, $"Machine: {report.Machine.Line}. Method: client and embedded test service in separate processes on loopback; ").Append(s_inv, $"each scenario closed-loop for {report.Duration.TotalSeconds:0.#} s per round, {report.Rounds} rounds interleaved; medians of the rounds. ").AppendLine("Client CPU and allocations are this process's own, per call; so are thread-pool work items (each a hop between threads) and Monitor lock contentions. Ratios compare with the named baseline at the same concurrency (×: higher is better for calls/s; lower is better for CPU and bytes); the paired columns are the median of the per-round ratios (each round's runs are seconds apart, so drift between rounds cancels).").AppendLine();
        md.AppendLine("| scenario | C | calls/s | vs baseline | p50 µs | p90 µs | p99 µs | max µs | alloc B/call | vs baseline | CPU µs/call | vs baseline | CPU vs floor | paired CPU vs baseline | paired CPU vs floor | server CPU µs/call | pool items/call | lock waits/call | errors |");
        md.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|---:|---|---:|---|---|---:|---:|---:|---:|---:|---:|");
        foreach (var s in report.Scenarios)
        {
            var b = report.Scenarios.FirstOrDefault(x => x.Name == s.Baseline && x.Concurrency == s.Concurrency);
            var floor = report.Scenarios.FirstOrDefault(x => x.Name == "raw-socket" && x.Concurrency == s.Concurrency);
            md.Append(s_inv, $"| {s.Name} | {s.Concurrency} | {s.CallsPerSecond:N0} | {Ratio(s.CallsPerSecond, b?.CallsPerSecond, s, b)} | {s.P50Micros:N0} | {s.P90Micros:N0} | {s.P99Micros:N0} | {s.MaxMicros:N0} | {s.AllocatedBytesPerCall:N0} | {Ratio(s.AllocatedBytesPerCall, b?.AllocatedBytesPerCall, s, b)} | {s.CpuMicrosPerCall:N1} | {Ratio(s.CpuMicrosPerCall, b?.CpuMicrosPerCall, s, b)} | {Ratio(s.CpuMicrosPerCall, floor?.CpuMicrosPerCall, s, floor)} | {Paired(s.CpuVsBaselinePaired)} | {Paired(s.CpuVsFloorPaired)} | {s.ServerCpuMicrosPerCall:N1} | {s.WorkItemsPerCall:0.00} | {s.LockContentionsPerCall:0.000} | {s.Errors} |").AppendLine();
        }

        if (report.Sse.Count > 0)
        {
            var baseline = report.Sse.FirstOrDefault(x => x.Name == "system-net-sse");
            md.AppendLine().AppendLine("| SSE parser | MB/s | events/s | vs system-net-sse | B/event |").AppendLine("|---|---:|---:|---|---:|");
            foreach (var s in report.Sse)
            {
                md.Append(s_inv, $"| {s.Name} | {s.MegabytesPerSecond:N1} | {s.EventsPerSecond:N0} | {(baseline is null ? "" : (s.EventsPerSecond / baseline.EventsPerSecond).ToString("0.00", s_inv) + "×")} | {s.AllocatedBytesPerEvent:N2} |").AppendLine();
            }
        }

        if (report.Breaker.Count > 0)
        {
            var baseline = report.Breaker.FirstOrDefault(x => x.Name == "polly-breaker");
            md.AppendLine().AppendLine("| breaker (closed path) | ns/op | vs polly-breaker | B/op |").AppendLine("|---|---:|---|---:|");
            foreach (var s in report.Breaker)
            {
                md.Append(s_inv, $"| {s.Name} | {s.NanosecondsPerOperation:N1} | {(baseline is null ? "" : (baseline.NanosecondsPerOperation / s.NanosecondsPerOperation).ToString("0.0", s_inv) + "× faster")} | {s.AllocatedBytesPerOperation:N1} |").AppendLine();
            }
        }

        return md.ToString();
    }

    public static string ToJson(HeadlineReport report)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartObject("machine");
            w.WriteNumber("cores", report.Machine.Cores);
            w.WriteString("os", report.Machine.Os);
            w.WriteString("dotnet", report.Machine.DotNet);
            w.WriteString("date", report.Machine.Date.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", s_inv));
            w.WriteEndObject();
            w.WriteStartArray("scenarios");
            foreach (var s in report.Scenarios)
            {
                w.WriteStartObject();
                w.WriteString("name", s.Name);
                w.WriteNumber("concurrency", s.Concurrency);
                w.WriteNumber("calls_per_s", Math.Round(s.CallsPerSecond, 1));
                w.WriteNumber("p50_us", Math.Round(s.P50Micros, 1));
                w.WriteNumber("p90_us", Math.Round(s.P90Micros, 1));
                w.WriteNumber("p99_us", Math.Round(s.P99Micros, 1));
                w.WriteNumber("max_us", Math.Round(s.MaxMicros, 1));
                w.WriteNumber("alloc_bytes_per_call", Math.Round(s.AllocatedBytesPerCall, 1));
                w.WriteNumber("cpu_us_per_call", Math.Round(s.CpuMicrosPerCall, 2));
                if (!double.IsNaN(s.CpuVsBaselinePaired))
                {
                    w.WriteNumber("cpu_vs_baseline_paired", Math.Round(s.CpuVsBaselinePaired, 3));
                }

                if (!double.IsNaN(s.CpuVsFloorPaired))
                {
                    w.WriteNumber("cpu_vs_floor_paired", Math.Round(s.CpuVsFloorPaired, 3));
                }

                if (!double.IsNaN(s.ServerCpuMicrosPerCall))
                {
                    w.WriteNumber("server_cpu_us_per_call", Math.Round(s.ServerCpuMicrosPerCall, 2));
                }

                w.WriteNumber("pool_work_items_per_call", Math.Round(s.WorkItemsPerCall, 3));
                w.WriteNumber("lock_contentions_per_call", Math.Round(s.LockContentionsPerCall, 4));
                w.WriteNumber("errors", s.Errors);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("sse");
            foreach (var s in report.Sse)
            {
                w.WriteStartObject();
                w.WriteString("name", s.Name);
                w.WriteNumber("mb_per_s", Math.Round(s.MegabytesPerSecond, 2));
                w.WriteNumber("events_per_s", Math.Round(s.EventsPerSecond, 0));
                w.WriteNumber("alloc_bytes_per_event", Math.Round(s.AllocatedBytesPerEvent, 3));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("breaker");
            foreach (var s in report.Breaker)
            {
                w.WriteStartObject();
                w.WriteString("name", s.Name);
                w.WriteNumber("ns_per_op", Math.Round(s.NanosecondsPerOperation, 2));
                w.WriteNumber("alloc_bytes_per_op", Math.Round(s.AllocatedBytesPerOperation, 3));
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string ToSvg(HeadlineReport report, int concurrency)
    {
        var series = report.Scenarios.Where(s => s.Concurrency == concurrency && s.Spectrum.Count > 0)
            .Select(s => new PercentilePlot.Series(s.Name, s.Spectrum)).ToList();
        return PercentilePlot.Render($"Latency percentile spectrum, C={concurrency} ({report.Machine.Line})", series);
    }

    private static string Paired(double ratio) => double.IsNaN(ratio) ? "" : ratio.ToString("0.00", s_inv) + "×";

    private static string Ratio(double value, double? baseline, ScenarioSummary scenario, ScenarioSummary? baselineScenario) =>
        baselineScenario is null || ReferenceEquals(scenario, baselineScenario) || baseline is null or 0
            ? (ReferenceEquals(scenario, baselineScenario) ? "baseline" : "")
            : (value / baseline.Value).ToString("0.00", s_inv) + "× " + baselineScenario.Name;
}
