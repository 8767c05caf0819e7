namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>
/// Lock-free counters of one tool of one service: calls, successes, failures and total/min/max duration.
/// </summary>
/// <remarks>
/// Every field changes by <see cref="Interlocked"/> operations only. A snapshot read while calls complete may see
/// counters from slightly different instants (e.g. calls already incremented, duration not yet added); that race
/// is accepted, since diagnostics are advisory and the hot path must not take a lock.
/// </remarks>
internal sealed class ToolStatistics(string tool)
{
    private long _calls;
    private long _successes;
    private long _failures;
    private long _totalTicks;
    private long _minTicks = long.MaxValue;
    private long _maxTicks;

    public string Tool { get; } = tool;

    public void RecordStart() => Interlocked.Increment(ref _calls);

    public void RecordOutcome(bool success, TimeSpan duration)
    {
        Interlocked.Increment(ref success ? ref _successes : ref _failures);
        var ticks = duration.Ticks;
        Interlocked.Add(ref _totalTicks, ticks);
        InterlockedExtremes.Min(ref _minTicks, ticks);
        InterlockedExtremes.Max(ref _maxTicks, ticks);
    }

    public ToolCallStatistics Snapshot()
    {
        var successes = Volatile.Read(ref _successes);
        var failures = Volatile.Read(ref _failures);
        var completed = successes + failures;
        var total = TimeSpan.FromTicks(Volatile.Read(ref _totalTicks));
        var min = Volatile.Read(ref _minTicks);
        return new ToolCallStatistics(Tool)
        {
            Calls = Volatile.Read(ref _calls),
            Successes = successes,
            Failures = failures,
            TotalDuration = total,
            MinDuration = completed == 0 || min == long.MaxValue ? TimeSpan.Zero : TimeSpan.FromTicks(min),
            MaxDuration = TimeSpan.FromTicks(Volatile.Read(ref _maxTicks)),
            MeanDuration = completed == 0 ? TimeSpan.Zero : total / completed,
        };
    }
}
