using System.Globalization;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>One invariant of a chaos soak and whether it held.</summary>
/// <param name="Name">Short name (a JSON key).</param>
/// <param name="Passed">Whether it held.</param>
/// <param name="Detail">The figures it was judged on.</param>
public sealed record ChaosVerdict(string Name, bool Passed, string Detail);

/// <summary>What a chaos soak counted on both sides, and its verdicts (<see cref="Verdicts"/>).</summary>
public sealed class ChaosSoakResult
{
    public required ChaosSoakSettings Settings { get; init; }

    public required DateTimeOffset StartUtc { get; init; }

    /// <summary>The measured window as the load engine saw it (latencies, error breakdown).</summary>
    public required LoadResult Load { get; init; }

    /// <summary>Calls handed to the client (warm-up included).</summary>
    public required long Issued { get; init; }

    /// <summary>Completions of calls whose id was past the ledger (should be none).</summary>
    public required long Untracked { get; init; }

    public required long Succeeded { get; init; }

    /// <summary>Calls that failed with a <see cref="ServiceCallException"/>.</summary>
    public required long TypedErrors { get; init; }

    /// <summary>Calls the harness had to cancel because they outlived the drain (deadline × 3).</summary>
    public required long HarnessCancelled { get; init; }

    /// <summary>Calls that failed with any other exception.</summary>
    public required long UntypedErrors { get; init; }

    public string? FirstUntypedError { get; init; }

    /// <summary>Issued calls whose completion never came.</summary>
    public required long NeverCompleted { get; init; }

    /// <summary>Issued calls that completed more than once.</summary>
    public required long CompletedTwice { get; init; }

    public required long NonIdempotentCalls { get; init; }

    /// <summary>Non-idempotent calls executed more than once, counted over both instances.</summary>
    public required long NonIdempotentExecutedTwice { get; init; }

    /// <summary>Calls of any kind the service executed more than once (allowed for idempotent calls).</summary>
    public required long ExecutedTwice { get; init; }

    /// <summary>Tool executions the services recorded (both instances).</summary>
    public required long Executions { get; init; }

    /// <summary>Tool executions the second instance recorded (calls served while the service was swapped to it).</summary>
    public required long SecondaryExecutions { get; init; }

    /// <summary>Endpoint changes made through discovery: each move to the second instance and each move back.</summary>
    public required int EndpointSwaps { get; init; }

    /// <summary>Tool-call attempts that reached either instance, plus connections they reset before reading them.</summary>
    public required long ServerAttempts { get; init; }

    public required long ResetsInjected { get; init; }

    /// <summary>Retries the client scheduled (its own diagnostics).</summary>
    public required long ClientRetries { get; init; }

    public required double RetryRatio { get; init; }

    /// <summary>The budget's reserve over the run: min retries per second × max(time to live, run length).</summary>
    public required double RetryReserve { get; init; }

    public required long SessionInitializations { get; init; }

    public required long StreamResumptions { get; init; }

    public required IReadOnlyDictionary<string, int> Episodes { get; init; }

    public required IReadOnlyList<long> RssSamples { get; init; }

    public required int BaselineThreads { get; init; }

    public required int FinalThreads { get; init; }

    public required int BaselineSockets { get; init; }

    public required int FinalSockets { get; init; }

    /// <summary>Connections the service still had open when the client was last counted.</summary>
    public required int ServerSockets { get; init; }

    public required double SettleSeconds { get; init; }

    public required long UnobservedTaskExceptions { get; init; }

    /// <summary>Mean RSS of the middle and last thirds of the samples (0 when too few).</summary>
    public (double Middle, double Last) RssThirds
    {
        get
        {
            var third = RssSamples.Count / 3;
            return third < 2 ? (0, 0)
                : (RssSamples.Skip(third).Take(third).Average(), RssSamples.Skip(RssSamples.Count - third).Average());
        }
    }

    /// <summary>The invariants, in a fixed order.</summary>
    public IReadOnlyList<ChaosVerdict> Verdicts
    {
        get
        {
            var inv = CultureInfo.InvariantCulture;
            var accounted = Succeeded + TypedErrors + HarnessCancelled + UntypedErrors;
            var attemptLimit = (1 + RetryRatio) * Issued + RetryReserve;
            var (middle, last) = RssThirds;
            var rssLimit = middle * (1 + Settings.RssTolerance) + Settings.RssSlackBytes;
            return
            [
                new("completes_exactly_once",
                    NeverCompleted == 0 && CompletedTwice == 0 && Untracked == 0 && HarnessCancelled == 0 && accounted == Issued,
                    string.Create(inv, $"issued {Issued}, completed {accounted} (ok {Succeeded}, typed errors {TypedErrors}, cancelled by the harness {HarnessCancelled}, untyped {UntypedErrors}); never completed {NeverCompleted}, completed twice {CompletedTwice}")),
                new("errors_typed", UntypedErrors == 0,
                    string.Create(inv, $"untyped errors {UntypedErrors}{(FirstUntypedError is null ? "" : "; first: " + FirstUntypedError)}")),
                new("non_idempotent_at_most_once", NonIdempotentExecutedTwice == 0,
                    string.Create(inv, $"{NonIdempotentCalls} non-idempotent calls, {NonIdempotentExecutedTwice} executed twice (idempotent calls executed twice: {ExecutedTwice - NonIdempotentExecutedTwice}; executions {Executions})")),
                new("retry_budget", ServerAttempts <= attemptLimit,
                    string.Create(inv, $"server attempts {ServerAttempts} (resets {ResetsInjected}) <= {1 + RetryRatio:0.##} x {Issued} calls + reserve {RetryReserve:0} = {attemptLimit:0}; client retries {ClientRetries}")),
                new("rss_plateau", middle > 0 && last <= rssLimit,
                    string.Create(inv, $"{RssSamples.Count} samples; mean middle third {middle / (1 << 20):0.0} MiB, last third {last / (1 << 20):0.0} MiB, limit {rssLimit / (1 << 20):0.0} MiB")),
                new("threads_return", FinalThreads <= BaselineThreads + Settings.ThreadSlack,
                    string.Create(inv, $"baseline {BaselineThreads}, after {SettleSeconds:0.0} s settle {FinalThreads} (slack {Settings.ThreadSlack})")),
                new("sockets_return", SocketsBack || (SocketsWithinPool && ServerSockets <= FinalSockets + Settings.SocketSlack),
                    string.Create(inv, $"client open connections: baseline {BaselineSockets}, after settle {FinalSockets} (slack {Settings.SocketSlack}); service side {ServerSockets}{(SocketsBack ? "" : $"; above the baseline but within the pool's cap of {PoolCap} (idle pooled connections close after the pool's 60 s idle timeout)")}")),
                new("endpoint_swaps_move_calls", EndpointSwaps == 0 || SecondaryExecutions > 0,
                    string.Create(inv, $"{EndpointSwaps} endpoint changes (to the second instance and back); executions on the second instance {SecondaryExecutions} of {Executions}")),
                new("no_unobserved_task_exceptions", UnobservedTaskExceptions == 0,
                    string.Create(inv, $"{UnobservedTaskExceptions} after GC.Collect + WaitForPendingFinalizers")),
            ];
        }
    }

    /// <summary>The most connections the client's pool may hold: one per worker plus the session's GET stream.</summary>
    public int PoolCap => Settings.Workers + 1;

    /// <summary>The client's connections are back to the baseline (within the slack) and the service agrees.</summary>
    public bool SocketsBack => FinalSockets <= BaselineSockets + Settings.SocketSlack && ServerSockets <= FinalSockets + Settings.SocketSlack;

    /// <summary>Above the baseline but within <see cref="PoolCap"/>: idle connections the pool keeps until its idle
    /// timeout (60 s, longer than a CI settle), not a leak; a leak grows past the cap or leaves the service side
    /// with more connections than the client.</summary>
    public bool SocketsWithinPool => FinalSockets <= PoolCap;

    /// <summary>True when every invariant held.</summary>
    public bool Passed => Verdicts.All(v => v.Passed);
}
