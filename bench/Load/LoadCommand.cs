using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Bench.Headline;
using Cortex.Mcp.Fast.Bench.Infrastructure;
using Spectre.Console;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>
/// The <c>load</c> command: drives the embedded test service (default) or <c>--target URL</c> open loop at
/// <c>--rate</c> or closed loop with <c>--concurrency</c>, shows live progress, writes Markdown, JSON, an
/// HdrHistogram interval log and an SVG plot to <c>--out</c>, and exits non-zero when a gate is broken.
/// </summary>
/// <remarks>
/// <para>Exit codes: 0 ran and passed the gates; 1 the command line did not parse (System.CommandLine); 2 the run
/// could not start (bad value, missing token variable, unreadable file, target set-up failed); 3 a gate was broken:
/// the error rate above <c>--max-error-rate</c> (default <see cref="DefaultMaxErrorRate"/>: a run against a wrong
/// URL, protocol or token fails), the p99 above <c>--max-p99</c>, or no call succeeded at all.</para>
/// </remarks>
public static partial class LoadCommand
{
    /// <summary>Exit code: the run completed and passed its gates.</summary>
    public const int ExitPassed = 0;

    /// <summary>Exit code: the run could not start.</summary>
    public const int ExitSetupFailed = 2;

    /// <summary>Exit code: the error rate or the p99 exceeded its limit.</summary>
    public const int ExitGateFailed = 3;

    /// <summary>Default open-loop rate when neither <c>--rate</c> nor <c>--concurrency</c> is given.</summary>
    public const double DefaultRate = 1000;

    /// <summary>Default client worker count in open loop (closed loop uses the concurrency).</summary>
    public const int DefaultOpenLoopWorkers = 64;

    /// <summary>Default error-rate gate: a run with more than 1 % errors fails unless <c>--max-error-rate</c> raises it.</summary>
    public const double DefaultMaxErrorRate = 0.01;

    public static Command Create()
    {
        var target = new Option<Uri?>("--target") { Description = "Service endpoint URL (REST base or MCP endpoint). Default: the embedded test service.", HelpName = "URL", CustomParser = ParseUri };
        var protocol = new Option<string>("--protocol") { Description = "Protocol: rest (Cortex REST+SSE) or mcp (MCP Streamable HTTP).", DefaultValueFactory = _ => "rest" };
        protocol.AcceptOnlyFromAmong("rest", "mcp");
        var tool = new Option<string>("--tool") { Description = "Tool to call.", DefaultValueFactory = _ => "echo", HelpName = "NAME" };
        var args = new Option<string?>("--args") { Description = "Tool arguments, a JSON object. Default: " + CallScenario.ArgumentsJson, HelpName = "JSON" };
        var argsFile = new Option<FileInfo?>("--args-file") { Description = "Read the tool arguments (a JSON object) from this file.", HelpName = "PATH" };
        var tokenEnv = new Option<string?>("--token-env") { Description = "Send a bearer token read from this environment variable (never echoed or written).", HelpName = "VAR" };
        var rate = new Option<double?>("--rate") { Description = $"Open loop: calls per second, constant arrival rate; latency from each call's intended send time. Default when --concurrency is not given: {DefaultRate}.", HelpName = "N" };
        var concurrency = new Option<int?>("--concurrency") { Description = "Closed loop: C callers, each sending its next call when the previous one ends.", HelpName = "C" };
        var duration = DurationOption("--duration", "Measured window (500ms, 30s, 2m; bare number = seconds).", TimeSpan.FromSeconds(30));
        var warmup = DurationOption("--warmup", "Warmup with the same load before measuring; not recorded.", TimeSpan.FromSeconds(5));
        var maxOutstanding = new Option<int>("--max-outstanding") { Description = "Open loop: most calls in flight; a due call beyond it is not sent and counts as an error.", DefaultValueFactory = _ => 10_000, HelpName = "N" };
        var workers = new Option<int?>("--workers") { Description = $"Client worker loops (its limit on calls in flight). Default: C in closed loop, {DefaultOpenLoopWorkers} in open loop.", HelpName = "N" };
        var timeout = DurationOption("--timeout", "Per-call deadline.", TimeSpan.FromSeconds(30));
        var retries = new Option<int>("--retries") { Description = "Client retries per call (0: every failure counts).", DefaultValueFactory = _ => 0, HelpName = "N" };
        var latencyMs = new Option<int>("--latency-ms") { Description = "Embedded target: delay added to every tool call.", DefaultValueFactory = _ => 0, HelpName = "MS" };
        var errorRate = new Option<double>("--error-rate") { Description = "Embedded target: fraction (0-1) of tool calls that fail.", DefaultValueFactory = _ => 0, HelpName = "X" };
        var errorStatus = new Option<int>("--error-status") { Description = "Embedded target: HTTP status of injected failures.", DefaultValueFactory = _ => 503, HelpName = "N" };
        var stallMs = new Option<int>("--stall-ms") { Description = "Embedded target: one service-wide stall of this length (every tool call arriving in it is held until it ends). Runs the service in-process.", DefaultValueFactory = _ => 0, HelpName = "MS" };
        var stallAfterMs = new Option<int?>("--stall-after-ms") { Description = "Embedded target: when the stall begins, in ms after the start of the measured window. Default: mid-window.", HelpName = "MS" };
        var inProcess = new Option<bool>("--in-process") { Description = "Embedded target: run the service in this process (shares the client's CPU) instead of a child process." };
        var seed = new Option<int>("--seed") { Description = "Embedded target: seed of the fault randomness.", DefaultValueFactory = _ => 1, HelpName = "N" };
        var outDir = new Option<string>("--out") { Description = "Directory for the result files (<UTC yyyyMMdd-HHmmss>-load.{md,json,hlog,svg}).", DefaultValueFactory = _ => "perf-results", HelpName = "DIR" };
        var maxErrorRate = new Option<double>("--max-error-rate") { Description = $"Gate: exit 3 when the error rate (0-1) is above this (1 disables it). Default: {DefaultMaxErrorRate}.", DefaultValueFactory = _ => DefaultMaxErrorRate, HelpName = "X" };
        var headers = new Option<string[]>("--header") { Description = "Request header 'Name: value' sent with every call (repeatable; 'Authorization: Bearer …' becomes the bearer token). Values are never written to the outputs.", HelpName = "HEADER", Arity = ArgumentArity.ZeroOrMore };
        var caFile = new Option<FileInfo?>("--ca-file") { Description = "TLS: trust the CA certificate(s) in this PEM or DER file instead of the system store.", HelpName = "PATH" };
        var insecure = new Option<bool>("--insecure") { Description = "TLS: accept any server certificate. For test rigs only; the report says so." };
        var ramp = DurationOption("--ramp", "Warm-up ramp: over this part of the warmup, raise the rate linearly from 0 (open loop) or start the callers one by one (closed loop). At most --warmup.", TimeSpan.Zero);
        var mix = new Option<string?>("--mix") { Description = "Weighted mix of tools, all with the same --args: 'echo=3,add=1' (3 echo calls for every add, interleaved). Instead of --tool.", HelpName = "TOOL=W,…" };
        var mixFile = new Option<FileInfo?>("--mix-file") { Description = "Weighted mix with arguments per tool: a JSON array of {\"tool\": NAME, \"weight\": W, \"args\": {…}}.", HelpName = "PATH" };
        var queueMode = new Option<string>("--queue-mode") { Description = "The client's full/overloaded-queue mode: shed (the library default), wait or failfast.", DefaultValueFactory = _ => "shed", HelpName = "MODE" };
        queueMode.AcceptOnlyFromAmong("shed", "wait", "failfast");
        var chaos = new Option<bool>("--chaos") { Description = "Chaos soak of the embedded service (in-process, MCP): open loop at --rate (default 300/s) for --duration with resets, stalls, 503/429 + Retry-After, session loss, slow and cut streams; checks its invariants (exactly-once completion, no double execution, retry budget, RSS plateau, threads and sockets back to baseline, no unobserved task exceptions) and exits 3 if one fails. Uses --rate, --duration, --warmup, --workers, --timeout, --retries, --seed, --out." };
        var chaosFaults = new Option<ChaosFaultKinds>("--chaos-faults") { Description = "With --chaos: the faults drawn from, comma-separated: Resets, Stalls, Unavailable, TooManyRequests, SessionLoss, Slow, CutStreams (default: All).", DefaultValueFactory = _ => ChaosFaultKinds.All, HelpName = "KINDS", CustomParser = ParseChaosFaults };
        var maxP99 = new Option<double?>("--max-p99") { Description = "Gate: exit 3 when p99 is above this (800us, 250ms, 1.5s; bare number = milliseconds).", HelpName = "LATENCY", CustomParser = ParseLatency };

        var command = new Command("load", "Load-test a service (or the embedded test service) open loop at a fixed rate or closed loop, with live progress, HdrHistogram percentiles and a pass/fail gate.")
        {
            target, protocol, tool, args, argsFile, tokenEnv, rate, concurrency, duration, warmup, maxOutstanding, workers, timeout, retries,
            latencyMs, errorRate, errorStatus, stallMs, stallAfterMs, inProcess, seed, outDir, maxErrorRate, maxP99,
            headers, caFile, insecure, ramp, mix, mixFile, queueMode, chaos, chaosFaults,
        };
        command.Validators.Add(result =>
        {
            if (Given(result, rate) && Given(result, concurrency))
            {
                result.AddError("Give either --rate (open loop) or --concurrency (closed loop), not both.");
            }

            if (Given(result, args) && Given(result, argsFile))
            {
                result.AddError("Give either --args or --args-file, not both.");
            }

            if (Given(result, mix) && Given(result, mixFile))
            {
                result.AddError("Give either --mix or --mix-file, not both.");
            }

            if ((Given(result, mix) || Given(result, mixFile)) && Given(result, tool))
            {
                result.AddError("A mix replaces --tool: give one or the other.");
            }

            if (Given(result, mixFile) && (Given(result, args) || Given(result, argsFile)))
            {
                result.AddError("--mix-file carries the arguments of each tool: --args and --args-file do not apply.");
            }

            if (Given(result, caFile) && Given(result, insecure))
            {
                result.AddError("Give either --ca-file or --insecure, not both.");
            }

            if (Given(result, chaosFaults) && !Given(result, chaos))
            {
                result.AddError("--chaos-faults applies to --chaos only.");
            }

            if (Given(result, chaos) && (Given(result, target) || Given(result, concurrency) || Given(result, protocol) || Given(result, mix) || Given(result, mixFile) || Given(result, errorRate) || Given(result, stallMs)))
            {
                result.AddError("--chaos drives the embedded service open loop over MCP with its own fault profile: --target, --concurrency, --protocol, mixes and fault options do not apply.");
            }

            if (Given(result, target) && (Given(result, latencyMs) || Given(result, errorRate) || Given(result, errorStatus) || Given(result, stallMs) || Given(result, stallAfterMs) || Given(result, inProcess)))
            {
                result.AddError("Fault options and --in-process apply to the embedded target only, not to --target.");
            }
        });

        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(chaos))
            {
                return await RunChaosAsync(new ChaosSoakSettings
                {
                    Rate = parse.GetValue(rate) ?? ChaosSoakSettings.DefaultRate,
                    Duration = parse.GetValue(duration),
                    Warmup = parse.GetValue(warmup),
                    Workers = parse.GetValue(workers) ?? DefaultOpenLoopWorkers,
                    Timeout = Given(parse.CommandResult, timeout) ? parse.GetValue(timeout) : ChaosSoakSettings.DefaultTimeout,
                    Retries = Given(parse.CommandResult, retries) ? parse.GetValue(retries) : ChaosSoakSettings.DefaultRetries,
                    Seed = parse.GetValue(seed),
                    Faults = parse.GetValue(chaosFaults),
                    OutputDirectory = parse.GetValue(outDir)!,
                }, cancellationToken).ConfigureAwait(false);
            }

            var run = new LoadCommandSettings
            {
                Target = parse.GetValue(target),
                Protocol = parse.GetValue(protocol) == "mcp" ? McpProtocol.StreamableHttp : McpProtocol.Rest,
                Tool = parse.GetValue(tool)!,
                ArgumentsJson = parse.GetValue(args),
                ArgumentsFile = parse.GetValue(argsFile),
                TokenVariable = parse.GetValue(tokenEnv),
                Rate = parse.GetValue(rate),
                Concurrency = parse.GetValue(concurrency),
                Duration = parse.GetValue(duration),
                Warmup = parse.GetValue(warmup),
                MaxOutstanding = parse.GetValue(maxOutstanding),
                Workers = parse.GetValue(workers),
                Timeout = parse.GetValue(timeout),
                Retries = parse.GetValue(retries),
                LatencyMs = parse.GetValue(latencyMs),
                ErrorRate = parse.GetValue(errorRate),
                ErrorStatus = parse.GetValue(errorStatus),
                StallMs = parse.GetValue(stallMs),
                StallAfterMs = parse.GetValue(stallAfterMs),
                InProcess = parse.GetValue(inProcess),
                Seed = parse.GetValue(seed),
                OutputDirectory = parse.GetValue(outDir)!,
                MaxErrorRate = parse.GetValue(maxErrorRate),
                MaxP99Micros = parse.GetValue(maxP99),
                Headers = parse.GetValue(headers) ?? [],
                CaFile = parse.GetValue(caFile),
                Insecure = parse.GetValue(insecure),
                Ramp = parse.GetValue(ramp),
                Mix = parse.GetValue(mix),
                MixFile = parse.GetValue(mixFile),
                QueueMode = parse.GetValue(queueMode) switch { "wait" => QueueFullMode.Wait, "failfast" => QueueFullMode.FailFast, _ => QueueFullMode.Shed },
            };
            return await RunAsync(run, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>Runs the command with already parsed settings; returns the exit code.</summary>
    public static async Task<int> RunAsync(LoadCommandSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (!TryPrepare(settings, out var runOptions, out var targetSettings, out var problem))
        {
            await Console.Error.WriteLineAsync("load: " + problem).ConfigureAwait(false);
            return ExitSetupFailed;
        }

        var token = targetSettings.Token;
        if (settings.Insecure)
        {
            await Console.Error.WriteLineAsync("load: --insecure: any server certificate is accepted (test rigs only).").ConfigureAwait(false);
        }

        LoadTarget loadTarget;
        try
        {
            loadTarget = await LoadTarget.CreateAsync(targetSettings, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("load: could not set up the target: " + Scrub(ex.Message, token)).ConfigureAwait(false);
            return ExitSetupFailed;
        }

        await using (loadTarget.ConfigureAwait(false))
        {
            var info = new LoadRunInfo(
                MachineInfo.Current(TimeProvider.System),
                loadTarget.Description,
                settings.Protocol == McpProtocol.StreamableHttp ? "mcp" : "rest",
                targetSettings.Mix.Count == 0 ? settings.Tool : string.Join(",", targetSettings.Mix.Select(m => m.Tool + "=" + m.Weight.ToString(CultureInfo.InvariantCulture))),
                settings.Target is null ? targetSettings.Fault : null)
            {
                HeaderNames = [.. settings.Headers.Select(h => h.Split(':', 2)[0].Trim())],
                Tls = settings.Insecure ? "insecure" : settings.CaFile is not null ? "ca-file" : "system",
                QueueMode = settings.QueueMode.ToString().ToLowerInvariant(),
                Ramp = runOptions.Ramp,
            };
            var header = string.Create(CultureInfo.InvariantCulture,
                $"load: {info.Target}, {info.Protocol}, tool {info.Tool}, {(runOptions.Rate is { } r ? $"open loop {r:0.##}/s" : $"closed loop C={runOptions.Concurrency}")}, {runOptions.Duration.TotalSeconds:0.###} s after {runOptions.Warmup.TotalSeconds:0.###} s warmup");
            Console.WriteLine(header);

            LoadResult result;
            if (Console.IsOutputRedirected)
            {
                result = await new LoadRunner(loadTarget.CallAsync, runOptions)
                {
                    Progress = p => Console.WriteLine(ProgressLine(p)),
                    MeasurementStarting = loadTarget.OnMeasurementStarting,
                    ClassifyError = LoadErrorKey.Classify,
                }.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                result = await RunLiveAsync(loadTarget, runOptions, cancellationToken).ConfigureAwait(false);
            }

            var gate = LoadGate.Evaluate(result, settings.MaxErrorRate, settings.MaxP99Micros);
            var files = LoadReport.Write(result, info, gate, settings.OutputDirectory, targetSettings.Secrets);
            Console.WriteLine(SummaryLine(result));
            if (result.ErrorCounts.Count > 0)
            {
                Console.WriteLine(ErrorLine(result));
            }

            Console.WriteLine("Wrote " + files.Markdown + ", .json, .hlog, .svg");
            Console.WriteLine(gate.Passed ? "passed" : "FAILED");
            if (!gate.Passed)
            {
                Console.WriteLine("Gate failed: " + string.Join("; ", gate.Failures));
                return ExitGateFailed;
            }

            return ExitPassed;
        }
    }

    /// <summary>One plain progress line (used when output is redirected).</summary>
    public static string ProgressLine(LoadProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return string.Create(CultureInfo.InvariantCulture,
            $"{progress.Phase,-7} {progress.Elapsed.TotalSeconds,6:0.0}s  sent {progress.Sent,9:N0}  ok {progress.Completed,9:N0}  errors {progress.Errors,7:N0}  in flight {progress.Outstanding,6:N0}  rate {progress.IntervalRate,9:N1}/s  p99 {progress.P99Micros / 1000,9:N3} ms");
    }

    private static string SummaryLine(LoadResult result) => string.Create(CultureInfo.InvariantCulture,
        $"sent {result.Sent:N0}, completed {result.Completed:N0}, errors {result.Errors:N0} ({result.ErrorRate:P2}), {result.AchievedRate:N1} calls/s; p50 {result.PercentileMicros(50) / 1000:N3} ms, p90 {result.PercentileMicros(90) / 1000:N3} ms, p99 {result.PercentileMicros(99) / 1000:N3} ms, p99.9 {result.PercentileMicros(99.9) / 1000:N3} ms, max {result.MaxMicros / 1000.0:N3} ms");

    /// <summary>The error breakdown and the failed calls' latencies, on one line.</summary>
    public static string ErrorLine(LoadResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var kinds = string.Join(", ", result.ErrorCounts.Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key} {e.Count:N0}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"errors by kind: {kinds}; failed calls p50 {result.FailedPercentileMicros(50) / 1000:N3} ms, p99 {result.FailedPercentileMicros(99) / 1000:N3} ms, max {result.FailedMaxMicros / 1000:N3} ms");
    }

    private static async Task<LoadResult> RunLiveAsync(LoadTarget loadTarget, LoadRunOptions runOptions, CancellationToken cancellationToken)
    {
        LoadResult? result = null;
        await AnsiConsole.Live(ProgressTable(null)).AutoClear(false).StartAsync(async context =>
        {
            result = await new LoadRunner(loadTarget.CallAsync, runOptions)
            {
                // Each tick builds a new table and swaps it in, so the renderer never sees one being changed.
                Progress = p =>
                {
                    context.UpdateTarget(ProgressTable(p));
                    context.Refresh();
                },
                MeasurementStarting = loadTarget.OnMeasurementStarting,
                ClassifyError = LoadErrorKey.Classify,
            }.RunAsync(cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return result!;
    }

    private static Table ProgressTable(LoadProgress? p)
    {
        var inv = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in new[] { "phase", "elapsed", "sent", "ok", "errors", "in flight", "rate", "p99 so far" })
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        table.AddRow(p is null
            ? ["starting", "", "", "", "", "", "", ""]
            :
            [
                p.Phase,
                p.Elapsed.TotalSeconds.ToString("0.0", inv) + " s",
                p.Sent.ToString("N0", inv),
                p.Completed.ToString("N0", inv),
                p.Errors == 0 ? "0" : "[red]" + p.Errors.ToString("N0", inv) + "[/]",
                p.Outstanding.ToString("N0", inv),
                p.IntervalRate.ToString("N1", inv) + "/s",
                (p.P99Micros / 1000).ToString("N3", inv) + " ms",
            ]);
        return table;
    }

    private static Option<TimeSpan> DurationOption(string name, string description, TimeSpan defaultValue) => new(name)
    {
        Description = description,
        HelpName = "TIME",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            if (LoadArguments.TryParseDuration(result.Tokens[0].Value, out var value))
            {
                return value;
            }

            result.AddError($"{name}: '{result.Tokens[0].Value}' is not a duration (500ms, 30s, 2m).");
            return default;
        },
    };

    private static Uri? ParseUri(ArgumentResult result)
    {
        if (Uri.TryCreate(result.Tokens[0].Value, UriKind.Absolute, out var uri))
        {
            return uri;
        }

        result.AddError("--target: not an absolute URL.");
        return null;
    }

    private static ChaosFaultKinds ParseChaosFaults(ArgumentResult result)
    {
        var text = result.Tokens[0].Value;
        if (Enum.TryParse<ChaosFaultKinds>(text, ignoreCase: true, out var kinds) && kinds != ChaosFaultKinds.None
            && (kinds & ~ChaosFaultKinds.All) == 0 && !text.Any(char.IsDigit))
        {
            return kinds;
        }

        result.AddError($"--chaos-faults: '{text}' is not a list of fault kinds (Resets, Stalls, Unavailable, TooManyRequests, SessionLoss, Slow, CutStreams, All).");
        return ChaosFaultKinds.All;
    }

    private static double? ParseLatency(ArgumentResult result)
    {
        if (LoadArguments.TryParseLatencyMicros(result.Tokens[0].Value, out var micros))
        {
            return micros;
        }

        result.AddError($"--max-p99: '{result.Tokens[0].Value}' is not a latency (800us, 250ms, 1.5s).");
        return null;
    }

    private static bool Given(CommandResult result, Option option) => result.GetResult(option) is { Implicit: false };

    private static string Scrub(string text, string? secret)
        => string.IsNullOrEmpty(secret) ? text : text.Replace(secret, "***", StringComparison.Ordinal);
}
