using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>Writes a chaos soak's outcome as <c>&lt;UTC yyyyMMdd-HHmmss&gt;-chaos.{md,json}</c>.</summary>
public static class ChaosReport
{
    /// <summary>The file name stem of a soak that started at <paramref name="startUtc"/>.</summary>
    public static string Stem(DateTimeOffset startUtc) => startUtc.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-chaos";

    /// <summary>Writes both files; returns the Markdown path.</summary>
    public static string Write(ChaosSoakResult result, string directory)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var stem = Path.Combine(directory, Stem(result.StartUtc));
        File.WriteAllText(stem + ".json", Json(result));
        File.WriteAllText(stem + ".md", Markdown(result));
        return stem + ".md";
    }

    /// <summary>The JSON document: settings, counts, episodes, and one entry per invariant.</summary>
    public static string Json(ChaosSoakResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var s = result.Settings;
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteBoolean("passed", result.Passed);
            json.WriteString("date", result.StartUtc.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
            json.WriteNumber("rate", s.Rate);
            json.WriteNumber("duration_s", s.Duration.TotalSeconds);
            json.WriteNumber("warmup_s", s.Warmup.TotalSeconds);
            json.WriteNumber("workers", s.Workers);
            json.WriteNumber("retries", s.Retries);
            json.WriteNumber("seed", s.Seed);
            json.WriteString("faults", s.Faults.ToString());
            json.WriteNumber("issued", result.Issued);
            json.WriteNumber("succeeded", result.Succeeded);
            json.WriteNumber("typed_errors", result.TypedErrors);
            json.WriteNumber("untyped_errors", result.UntypedErrors);
            json.WriteNumber("server_attempts", result.ServerAttempts);
            json.WriteNumber("executions", result.Executions);
            json.WriteNumber("secondary_executions", result.SecondaryExecutions);
            json.WriteNumber("endpoint_swaps", result.EndpointSwaps);
            json.WriteNumber("client_retries", result.ClientRetries);
            json.WriteNumber("session_initializations", result.SessionInitializations);
            json.WriteNumber("stream_resumptions", result.StreamResumptions);
            json.WriteNumber("p99_ms", result.Load.PercentileMicros(99) / 1000);
            json.WriteStartObject("errors");
            foreach (var error in result.Load.ErrorCounts)
            {
                json.WriteNumber(Name(error.Key), error.Count);
            }

            json.WriteEndObject();
            json.WriteStartObject("episodes");
            foreach (var (kind, count) in result.Episodes.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                json.WriteNumber(kind, count);
            }

            json.WriteEndObject();
            json.WriteStartArray("rss_mib");
            foreach (var sample in result.RssSamples)
            {
                json.WriteNumberValue(Math.Round(sample / (double)(1 << 20), 1));
            }

            json.WriteEndArray();
            json.WriteStartObject("invariants");
            foreach (var verdict in result.Verdicts)
            {
                json.WriteStartObject(verdict.Name);
                json.WriteBoolean("passed", verdict.Passed);
                json.WriteString("detail", verdict.Detail);
                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>The Markdown summary: one table row per invariant.</summary>
    public static string Markdown(ChaosSoakResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var s = result.Settings;
        var inv = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append(inv, $"# Chaos soak {result.StartUtc.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC: {(result.Passed ? "passed" : "**failed**")}\n\n");
        md.Append(inv, $"Open loop {s.Rate:0.##} calls/s for {s.Duration.TotalSeconds:0} s after a {s.Warmup.TotalSeconds:0} s fault-free warm-up; MCP Streamable HTTP (stateful), {s.Workers} workers, deadline {s.Timeout.TotalSeconds:0.#} s, {s.Retries} retries under the default retry budget; faults {s.Faults}; seed {s.Seed}.\n\n");
        md.Append(inv, $"Episodes: {string.Join(", ", result.Episodes.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + " " + e.Value.ToString(inv)))}. ");
        md.Append(inv, $"Session initializations {result.SessionInitializations}, stream resumptions {result.StreamResumptions}, resets {result.ResetsInjected}, endpoint changes {result.EndpointSwaps} ({result.SecondaryExecutions} of {result.Executions} executions on the second instance; server-side counts are summed over both instances). ");
        md.Append(inv, $"Measured window: p99 {result.Load.PercentileMicros(99) / 1000:0.###} ms, errors {result.Load.Errors} ({string.Join(", ", result.Load.ErrorCounts.Select(e => Name(e.Key) + " " + e.Count.ToString(inv)))}).\n\n");
        md.Append("| invariant | verdict | figures |\n|---|---|---|\n");
        foreach (var verdict in result.Verdicts)
        {
            md.Append(inv, $"| {verdict.Name} | {(verdict.Passed ? "pass" : "**FAIL**")} | {verdict.Detail.Replace("|", "/", StringComparison.Ordinal)} |\n");
        }

        return md.ToString();
    }

    private static string Name(LoadErrorKey key)
        => key.Status is { } status ? key.Kind + " " + status.ToString(CultureInfo.InvariantCulture) : key.Kind;
}
