using System.Globalization;
using System.Runtime.InteropServices;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// Runs a <see cref="TestMcpService"/> as the whole process, for benchmarks and load runs that want the service
/// out of process. A program calls <see cref="RunAsync(string[])"/> from its <c>Main</c> (the bench does so for
/// its <c>serve</c> command).
/// </summary>
/// <remarks>
/// Arguments: <c>--port N</c> (default 0), <c>--tool-latency-ms N</c>, <c>--error-rate X</c> (0 to 1),
/// <c>--error-status N</c>, <c>--seed N</c>, <c>--token T</c> (required bearer token), <c>--ignore-stdin</c>,
/// <c>--mcp-mode stateless|stateful</c> (the <c>/mcp</c> endpoint's <see cref="TestMcpMode"/>; default stateless),
/// <c>--stall-ms S</c> with optional <c>--stall-after-ms A</c> (once the service has run A ms, default 0, the next
/// request of any kind waits S ms before it is handled, once: <see cref="TestFaults.StallOnce"/>; for a load run
/// that rehearses a stall).
/// Once listening it prints exactly one line, <c>LISTENING http://127.0.0.1:PORT</c>, to standard output, then runs
/// until standard input reaches its end (the parent closed it or died), or SIGTERM/SIGINT, unless
/// <c>--ignore-stdin</c> is given. Exit code 0 after a clean stop, 2 for bad arguments.
/// </remarks>
public static class TestMcpServiceHost
{
    /// <summary>The prefix of the one line printed once the service listens.</summary>
    public const string ListeningPrefix = "LISTENING ";

    /// <summary>Runs the service with the process's standard input and output, until stdin closes or SIGTERM.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var stdin = Console.OpenStandardInput();
        return await RunAsync(args, Console.Out, stdin, stop.Token).ConfigureAwait(false);

        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true; // we stop cleanly ourselves
            stop.Cancel();
        }
    }

    /// <summary>
    /// Runs the service, printing the <c>LISTENING</c> line to <paramref name="output"/>, until
    /// <paramref name="input"/> reaches its end (when not <see langword="null"/> and not told
    /// <c>--ignore-stdin</c>) or <paramref name="cancellationToken"/> fires. Errors go to standard error.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, Stream? input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (!TryParse(args, out var settings, out var error))
        {
            await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
            await Console.Error.WriteLineAsync(
                "usage: serve [--port N] [--tool-latency-ms N] [--error-rate X] [--error-status N] [--seed N] [--token T] "
                + "[--mcp-mode stateless|stateful] [--stall-ms S [--stall-after-ms A]] [--ignore-stdin]")
                .ConfigureAwait(false);
            return 2;
        }

        var service = await TestMcpService.StartAsync(settings.Options, cancellationToken).ConfigureAwait(false);
        await using (service.ConfigureAwait(false))
        {
            service.Faults.ToolLatency = settings.ToolLatency;
            service.Faults.ErrorRate = settings.ErrorRate;
            service.Faults.ErrorStatus = settings.ErrorStatus;
            using var stallTimer = ScheduleStall(service, settings);

            await output.WriteLineAsync(ListeningPrefix + service.BaseAddress.GetLeftPart(UriPartial.Authority))
                .ConfigureAwait(false);
            await output.FlushAsync(cancellationToken).ConfigureAwait(false);

            var stdinClosed = input is null || settings.IgnoreStdin
                ? Task.Delay(Timeout.Infinite, cancellationToken)
                : ReadToEndAsync(input, cancellationToken);
            try
            {
                // WaitAsync: a console stream may not observe cancellation while a read is blocked.
                await stdinClosed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // SIGTERM or the caller's token: a normal stop.
            }
        }

        return 0;
    }

    /// <summary>Arms <see cref="TestFaults.StallOnce"/> after <c>--stall-after-ms</c>; null without
    /// <c>--stall-ms</c>.</summary>
    private static ITimer? ScheduleStall(TestMcpService service, HostSettings settings)
    {
        if (settings.Stall <= TimeSpan.Zero)
        {
            return null;
        }

        if (settings.StallAfter <= TimeSpan.Zero)
        {
            service.Faults.StallOnce(settings.Stall);
            return null;
        }

        return TimeProvider.System.CreateTimer(static state =>
        {
            var (faults, stall) = ((TestFaults, TimeSpan))state!;
            faults.StallOnce(stall);
        }, (service.Faults, settings.Stall), settings.StallAfter, Timeout.InfiniteTimeSpan);
    }

    private static async Task ReadToEndAsync(Stream input, CancellationToken cancellationToken)
    {
        var buffer = new byte[256];
        try
        {
            while (await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
                // Whatever the parent writes is ignored; only the end of input matters.
            }
        }
        catch (IOException)
        {
            // A broken pipe is an end of input too.
        }
    }

    private static bool TryParse(string[] args, out HostSettings settings, out string error)
    {
        settings = new HostSettings();
        error = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--ignore-stdin")
            {
                settings.IgnoreStdin = true;
                continue;
            }

            if (i + 1 >= args.Length)
            {
                error = $"missing value for {name}";
                return false;
            }

            var value = args[++i];
            bool ok;
            switch (name)
            {
                case "--port":
                    ok = TryInt(value, 0, 65535, out var port);
                    settings.Options.Port = port;
                    break;
                case "--tool-latency-ms":
                    ok = TryMilliseconds(value, out var latency);
                    settings.ToolLatency = latency;
                    break;
                case "--error-rate":
                    ok = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate)
                        && rate is >= 0 and <= 1;
                    settings.ErrorRate = ok ? rate : 0;
                    break;
                case "--error-status":
                    ok = TryInt(value, 100, 999, out var status);
                    settings.ErrorStatus = ok ? status : 503;
                    break;
                case "--seed":
                    ok = TryInt(value, int.MinValue, int.MaxValue, out var seed);
                    settings.Options.RandomSeed = seed;
                    break;
                case "--mcp-mode":
                    ok = value is "stateless" or "stateful";
                    settings.Options.McpMode = value == "stateful" ? TestMcpMode.StatefulSse : TestMcpMode.StatelessJson;
                    break;
                case "--stall-ms":
                    ok = TryMilliseconds(value, out var stall);
                    settings.Stall = stall;
                    break;
                case "--stall-after-ms":
                    ok = TryMilliseconds(value, out var after);
                    settings.StallAfter = after;
                    break;
                case "--token":
                    ok = value.Length > 0;
                    settings.Options.RequiredBearerToken = value;
                    break;
                default:
                    ok = false;
                    break;
            }

            if (!ok)
            {
                error = $"bad argument: {name} {value}";
                return false;
            }
        }

        return true;
    }

    private static bool TryInt(string text, int min, int max, out int value)
        => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) && value >= min && value <= max;

    /// <summary>A non-negative whole number of milliseconds.</summary>
    private static bool TryMilliseconds(string text, out TimeSpan value)
    {
        var ok = TryInt(text, 0, int.MaxValue, out var ms);
        value = TimeSpan.FromMilliseconds(ms);
        return ok;
    }

    private sealed class HostSettings
    {
        public TestMcpServiceOptions Options { get; } = new();

        public TimeSpan ToolLatency { get; set; }

        public double ErrorRate { get; set; }

        public int ErrorStatus { get; set; } = 503;

        public bool IgnoreStdin { get; set; }

        public TimeSpan Stall { get; set; }

        public TimeSpan StallAfter { get; set; }
    }
}
