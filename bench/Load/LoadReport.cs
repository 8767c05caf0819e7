using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cortex.Mcp.Fast.Bench.Infrastructure;
using HdrHistogram;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>What the report says about the run besides its measurements.</summary>
/// <param name="Machine">The machine line.</param>
/// <param name="Target">The target as it may be shown: <c>embedded …</c> or the URL without user info or query.</param>
/// <param name="Protocol"><c>rest</c> or <c>mcp</c>.</param>
/// <param name="Tool">The tool called.</param>
/// <param name="Fault">The embedded service's fault profile, or null.</param>
public sealed record LoadRunInfo(MachineInfo Machine, string Target, string Protocol, string Tool, FaultProfile? Fault)
{
    /// <summary>Names of the request headers given (never their values).</summary>
    public IReadOnlyList<string> HeaderNames { get; init; } = [];

    /// <summary>How the server certificate was judged: <c>system</c>, <c>ca-file</c> or <c>insecure</c>.</summary>
    public string Tls { get; init; } = "system";

    /// <summary>The client's queue mode (<c>shed</c>, <c>wait</c>, <c>failfast</c>).</summary>
    public string QueueMode { get; init; } = "shed";

    /// <summary>The warm-up ramp (zero: none).</summary>
    public TimeSpan Ramp { get; init; }
}

/// <summary>The embedded service's fault profile.</summary>
/// <param name="LatencyMs">Delay added to every tool call.</param>
/// <param name="ErrorRate">Fraction of tool calls failed with <paramref name="ErrorStatus"/>.</param>
/// <param name="ErrorStatus">HTTP status of injected errors.</param>
/// <param name="StallMs">Length of the one service-wide stall (0: none).</param>
/// <param name="StallAfterMs">When the stall begins, in ms after the start of the measured window.</param>
public sealed record FaultProfile(int LatencyMs, double ErrorRate, int ErrorStatus, int StallMs, int StallAfterMs)
{
    /// <summary>True when no fault is injected.</summary>
    public bool IsNone => LatencyMs == 0 && ErrorRate == 0 && StallMs == 0;
}

/// <summary>The pipeline gate: limits, and which of them the run broke. A run in which no call succeeded never
/// passes, whatever the limits.</summary>
/// <param name="MaxErrorRate">Error-rate limit (0–1), or null.</param>
/// <param name="MaxP99Micros">p99 limit in µs, or null.</param>
/// <param name="Failures">One sentence per broken limit; empty when the run passed.</param>
public sealed record LoadGate(double? MaxErrorRate, double? MaxP99Micros, IReadOnlyList<string> Failures)
{
    /// <summary>True when no limit was broken.</summary>
    public bool Passed => Failures.Count == 0;

    /// <summary>Checks <paramref name="result"/> against the limits: error rate above the limit, p99 above its
    /// limit, or no successful call at all (there is then nothing to measure and no latency to trust).</summary>
    public static LoadGate Evaluate(LoadResult result, double? maxErrorRate, double? maxP99Micros)
    {
        ArgumentNullException.ThrowIfNull(result);
        var inv = CultureInfo.InvariantCulture;
        var failures = new List<string>();
        if (maxErrorRate is { } rateLimit && result.ErrorRate > rateLimit)
        {
            var top = result.ErrorCounts.Count > 0 ? string.Create(inv, $" (mostly {result.ErrorCounts[0].Key})") : string.Empty;
            failures.Add(string.Create(inv, $"error rate {result.ErrorRate:0.####} > max {rateLimit:0.####}{top}"));
        }

        if (result.Completed == 0 && maxP99Micros is null)
        {
            failures.Add("no call succeeded");
        }

        if (maxP99Micros is { } p99Limit)
        {
            if (result.Completed == 0)
            {
                failures.Add("p99 unknown: no call succeeded");
            }
            else if (result.PercentileMicros(99) > p99Limit)
            {
                failures.Add(string.Create(inv, $"p99 {result.PercentileMicros(99):0} µs > max {p99Limit:0} µs"));
            }
        }

        return new LoadGate(maxErrorRate, maxP99Micros, failures);
    }
}

/// <summary>The four files one run writes.</summary>
public sealed record LoadOutputFiles(string Markdown, string Json, string HistogramLog, string Svg);

/// <summary>
/// Writes a run's Markdown summary, JSON summary, HdrHistogram interval log and SVG percentile plot, as
/// <c>&lt;UTC yyyyMMdd-HHmmss&gt;-load.{md,json,hlog,svg}</c>.
/// </summary>
/// <remarks>
/// JSON keys (fixed; absent values are <c>null</c>):
/// <c>machine{cores,os,dotnet,date}</c>, <c>target</c>, <c>protocol</c>, <c>tool</c>, <c>fault{latency_ms,error_rate,
/// error_status,stall_ms,stall_after_ms}</c>, <c>mode</c> (<c>open</c>|<c>closed</c>), <c>rate</c>,
/// <c>concurrency</c>, <c>duration_s</c>, <c>warmup_s</c>, <c>ramp_s</c>, <c>queue_mode</c>, <c>tls</c>,
/// <c>headers</c> (names only), <c>scheduled</c>, <c>sent</c>, <c>completed</c>, <c>errors</c>, <c>not_sent</c>,
/// <c>abandoned</c>, <c>error_rate</c>, <c>errors_by_kind</c> (<c>[{kind, status, count, first_at_ms}]</c>, most
/// frequent first), <c>achieved_rate</c>, <c>p50_us</c>, <c>p90_us</c>, <c>p99_us</c>, <c>p999_us</c>,
/// <c>max_us</c> (successful calls), <c>failed_p50_us</c>, <c>failed_p99_us</c>, <c>failed_max_us</c> (failed
/// calls), <c>max_send_lag_us</c>, <c>max_error_rate</c>, <c>max_p99_us</c>, <c>passed</c>, <c>failures</c>,
/// <c>cancelled</c>.
/// </remarks>
public static class LoadReport
{
    /// <summary>The JSON keys, in the order they are written (pinned by a test).</summary>
    public static readonly string[] JsonKeys =
    [
        "machine", "target", "protocol", "tool", "fault", "mode", "rate", "concurrency", "duration_s", "warmup_s",
        "ramp_s", "queue_mode", "tls", "headers",
        "scheduled", "sent", "completed", "errors", "not_sent", "abandoned", "error_rate", "errors_by_kind", "achieved_rate",
        "p50_us", "p90_us", "p99_us", "p999_us", "max_us", "failed_p50_us", "failed_p99_us", "failed_max_us",
        "max_send_lag_us", "max_error_rate", "max_p99_us", "passed", "failures", "cancelled",
    ];

    /// <summary>The file stem of a run that began at <paramref name="startUtc"/>.</summary>
    public static string Stem(DateTimeOffset startUtc) => startUtc.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-load";

    /// <summary>Writes the four files into <paramref name="directory"/> (created if needed).</summary>
    /// <param name="secrets">Values that must never be written (the bearer token); replaced by <c>***</c> in the
    /// text files should one ever reach them.</param>
    public static LoadOutputFiles Write(LoadResult result, LoadRunInfo info, LoadGate gate, string directory, IReadOnlyList<string>? secrets)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(gate);
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, Stem(result.StartUtc));
        var files = new LoadOutputFiles(stem + ".md", stem + ".json", stem + ".hlog", stem + ".svg");
        File.WriteAllText(files.Json, Scrub(RenderJson(result, info, gate), secrets));
        File.WriteAllText(files.Markdown, Scrub(RenderMarkdown(result, info, gate, files), secrets));
        File.WriteAllText(files.Svg, Scrub(RenderSvg(result, info), secrets));
        using (var stream = File.Create(files.HistogramLog))
        {
            WriteHistogramLog(result, stream);
        }

        return files;
    }

    /// <summary>The interval log: one histogram per interval, absolute time stamps, readable by
    /// <see cref="HistogramLogReader"/> and the Java HdrHistogram tools (HistogramLogProcessor, merging logs of several
    /// load generators).</summary>
    public static void WriteHistogramLog(LoadResult result, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(stream);

        // HistogramLogWriter (HdrHistogram.NET 2.5.0) writes UTF-16; the format and the Java tools expect ASCII.
        using var utf16 = new MemoryStream();
        using (var writer = new HistogramLogWriter(utf16))
        {
            // One histogram expanded at a time: the header with the first interval, then each next one appended.
            var scratch = new LongHistogram(1, LoadRunner.HighestTrackableMicros, LoadRunner.SignificantDigits);
            if (result.Intervals.Count == 0)
            {
                writer.Write(result.StartUtc.UtcDateTime);
            }

            for (var i = 0; i < result.Intervals.Count; i++)
            {
                var interval = result.Intervals[i].ExpandInto(scratch);
                if (i == 0)
                {
                    writer.Write(result.StartUtc.UtcDateTime, interval);
                }
                else
                {
                    writer.Append(interval);
                }
            }
        }

        var text = DecodeWithBom(utf16.ToArray());
        var ascii = Encoding.ASCII.GetBytes(text);
        stream.Write(ascii);
    }

    public static string RenderJson(LoadResult result, LoadRunInfo info, LoadGate gate)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(gate);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteStartObject("machine");
            json.WriteNumber("cores", info.Machine.Cores);
            json.WriteString("os", info.Machine.Os);
            json.WriteString("dotnet", info.Machine.DotNet);
            json.WriteString("date", info.Machine.Date.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            json.WriteEndObject();
            json.WriteString("target", info.Target);
            json.WriteString("protocol", info.Protocol);
            json.WriteString("tool", info.Tool);
            if (info.Fault is { } fault)
            {
                json.WriteStartObject("fault");
                json.WriteNumber("latency_ms", fault.LatencyMs);
                json.WriteNumber("error_rate", fault.ErrorRate);
                json.WriteNumber("error_status", fault.ErrorStatus);
                json.WriteNumber("stall_ms", fault.StallMs);
                json.WriteNumber("stall_after_ms", fault.StallAfterMs);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("fault");
            }

            json.WriteString("mode", result.Mode == LoadMode.OpenLoop ? "open" : "closed");
            WriteNullable(json, "rate", result.Rate);
            WriteNullable(json, "concurrency", result.Concurrency);
            json.WriteNumber("duration_s", Math.Round(result.Duration.TotalSeconds, 3));
            json.WriteNumber("warmup_s", Math.Round(result.Warmup.TotalSeconds, 3));
            json.WriteNumber("ramp_s", Math.Round(info.Ramp.TotalSeconds, 3));
            json.WriteString("queue_mode", info.QueueMode);
            json.WriteString("tls", info.Tls);
            json.WriteStartArray("headers");
            foreach (var name in info.HeaderNames)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
            json.WriteNumber("scheduled", result.Scheduled);
            json.WriteNumber("sent", result.Sent);
            json.WriteNumber("completed", result.Completed);
            json.WriteNumber("errors", result.Errors);
            json.WriteNumber("not_sent", result.NotSent);
            json.WriteNumber("abandoned", result.Abandoned);
            json.WriteNumber("error_rate", Math.Round(result.ErrorRate, 6));
            json.WriteStartArray("errors_by_kind");
            foreach (var error in result.ErrorCounts)
            {
                json.WriteStartObject();
                json.WriteString("kind", error.Key.Kind);
                WriteNullable(json, "status", error.Key.Status);
                json.WriteNumber("count", error.Count);
                WriteNullable(json, "first_at_ms", error.FirstAtMicros is { } first ? Math.Round(first / 1000, 3) : null);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("achieved_rate", Math.Round(result.AchievedRate, 2));
            json.WriteNumber("p50_us", result.PercentileMicros(50));
            json.WriteNumber("p90_us", result.PercentileMicros(90));
            json.WriteNumber("p99_us", result.PercentileMicros(99));
            json.WriteNumber("p999_us", result.PercentileMicros(99.9));
            json.WriteNumber("max_us", result.MaxMicros);
            json.WriteNumber("failed_p50_us", result.FailedPercentileMicros(50));
            json.WriteNumber("failed_p99_us", result.FailedPercentileMicros(99));
            json.WriteNumber("failed_max_us", result.FailedMaxMicros);
            json.WriteNumber("max_send_lag_us", Math.Round(result.MaxSendLagMicros));
            WriteNullable(json, "max_error_rate", gate.MaxErrorRate);
            WriteNullable(json, "max_p99_us", gate.MaxP99Micros);
            json.WriteBoolean("passed", gate.Passed);
            json.WriteStartArray("failures");
            foreach (var failure in gate.Failures)
            {
                json.WriteStringValue(failure);
            }

            json.WriteEndArray();
            json.WriteBoolean("cancelled", result.Cancelled);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public static string RenderMarkdown(LoadResult result, LoadRunInfo info, LoadGate gate, LoadOutputFiles? files = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(gate);
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append(inv, $"# Load run {Stem(result.StartUtc)}\n\n");
        md.Append(inv, $"Machine: {info.Machine.Line}\n\n");
        md.Append(inv, $"- Target: {info.Target}, protocol `{info.Protocol}`, tool `{info.Tool}`\n");
        if (info.Fault is { IsNone: false } fault)
        {
            md.Append(inv, $"- Fault profile: latency {fault.LatencyMs} ms, error rate {fault.ErrorRate:0.###} (HTTP {fault.ErrorStatus}), stall {fault.StallMs} ms at {fault.StallAfterMs} ms\n");
        }

        md.Append(inv, $"- Mode: {ModeText(result)}; client queue mode `{info.QueueMode}`; TLS {info.Tls}{(info.HeaderNames.Count > 0 ? "; headers " + string.Join(", ", info.HeaderNames) : string.Empty)}\n");
        md.Append(inv, $"- Duration {result.Duration.TotalSeconds:0.###} s after {result.Warmup.TotalSeconds:0.###} s warmup{(info.Ramp > TimeSpan.Zero ? $" (ramped over {info.Ramp.TotalSeconds:0.###} s)" : string.Empty)} (not recorded){(result.Cancelled ? "; cancelled early" : string.Empty)}\n\n");
        md.Append("| scheduled | sent | completed | errors | not sent | error rate | achieved rate | p50 | p90 | p99 | p99.9 | max |\n");
        md.Append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        md.Append(inv, $"| {result.Scheduled:N0} | {result.Sent:N0} | {result.Completed:N0} | {result.Errors:N0} | {result.NotSent:N0} | {result.ErrorRate:P2} | {result.AchievedRate:N1}/s ");
        md.Append(inv, $"| {Micros(result.PercentileMicros(50))} | {Micros(result.PercentileMicros(90))} | {Micros(result.PercentileMicros(99))} | {Micros(result.PercentileMicros(99.9))} | {Micros(result.MaxMicros)} |\n\n");
        if (result.ErrorCounts.Count > 0)
        {
            md.Append("| error kind | HTTP status | count | share of errors | first after |\n|---|---:|---:|---:|---:|\n");
            foreach (var error in result.ErrorCounts)
            {
                md.Append(inv, $"| {error.Key.Kind} | {(error.Key.Status is { } status ? status.ToString(inv) : "—")} | {error.Count:N0} | {(double)error.Count / result.Errors:P1} | {(error.FirstAtMicros is { } first ? Micros(first) : "—")} |\n");
            }

            md.Append(inv, $"\nFailed calls (apart from the successes above): p50 {Micros(result.FailedPercentileMicros(50))}, p99 {Micros(result.FailedPercentileMicros(99))}, max {Micros(result.FailedMaxMicros)}.\n\n");
        }

        if (result.Mode == LoadMode.OpenLoop)
        {
            md.Append(inv, $"Largest pacing lag (how late the scheduler sent a call; already inside the latencies): {Micros(result.MaxSendLagMicros)}.\n\n");
        }

        md.Append(inv, $"Gate: max error rate {(gate.MaxErrorRate is { } r ? r.ToString("0.####", inv) : "none")}, max p99 {(gate.MaxP99Micros is { } p ? Micros(p) : "none")}: ");
        md.Append(gate.Passed ? "**passed**\n\n" : "**failed** (" + string.Join("; ", gate.Failures) + ")\n\n");
        if (files is not null)
        {
            md.Append(inv, $"Files: `{Path.GetFileName(files.Json)}` (summary), `{Path.GetFileName(files.HistogramLog)}` (HdrHistogram interval log, 1 s intervals, values in µs), `{Path.GetFileName(files.Svg)}` (percentile spectrum).\n\n");
        }

        md.Append("Method: latencies are of successful calls only, in an HdrHistogram (3 significant digits); errors are counted apart. ");
        md.Append(result.Mode == LoadMode.OpenLoop
            ? "Open loop: call i is due at start + i/rate and is sent then whether or not earlier calls have finished; its latency runs from that intended time, so a stalled service shows in the percentiles instead of silently lowering the rate (the coordinated-omission correction wrk2 made known).\n"
            : "Closed loop: each caller sends its next call when the previous one ends and times it from its actual start, so a service stall lowers the rate and hides in few samples (coordinated omission); use open loop (`--rate`) for latency under a given load.\n");
        return md.ToString();
    }

    public static string RenderSvg(LoadResult result, LoadRunInfo info)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(info);
        var series = new List<PercentilePlot.Series> { new(SeriesName(result), PercentilePlot.Spectrum(p => result.PercentileMicros(p))) };
        if (result.FailedHistogram.TotalCount > 0)
        {
            series.Add(new PercentilePlot.Series("failed calls", PercentilePlot.Spectrum(p => result.FailedPercentileMicros(p))));
        }

        return PercentilePlot.Render($"{info.Target} · {info.Tool} · {ModeText(result)}", series);
    }

    private static string ModeText(LoadResult result) => result.Mode == LoadMode.OpenLoop
        ? string.Create(CultureInfo.InvariantCulture, $"open loop at {result.Rate:0.##} calls/s")
        : string.Create(CultureInfo.InvariantCulture, $"closed loop with {result.Concurrency} callers");

    private static string SeriesName(LoadResult result) => result.Mode == LoadMode.OpenLoop
        ? string.Create(CultureInfo.InvariantCulture, $"open {result.Rate:0.##}/s")
        : string.Create(CultureInfo.InvariantCulture, $"closed C={result.Concurrency}");

    private static string Micros(double micros) => micros >= 10_000
        ? string.Create(CultureInfo.InvariantCulture, $"{micros / 1000:N1} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{micros:N0} µs");

    private static string DecodeWithBom(byte[] bytes)
    {
        using var reader = new StreamReader(new MemoryStream(bytes), Encoding.Unicode, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static string Scrub(string text, IReadOnlyList<string>? secrets)
    {
        foreach (var secret in secrets ?? [])
        {
            if (!string.IsNullOrEmpty(secret))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }

        return text;
    }
}
