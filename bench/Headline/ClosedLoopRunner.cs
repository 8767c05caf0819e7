using System.Diagnostics;
using HdrHistogram;

namespace Cortex.Mcp.Fast.Bench.Headline;

/// <summary>What one closed-loop run of one scenario measured.</summary>
public sealed record RunResult(
    string Name,
    int Concurrency,
    double CallsPerSecond,
    double P50Micros,
    double P90Micros,
    double P99Micros,
    double MaxMicros,
    double AllocatedBytesPerCall,
    double CpuMicrosPerCall,
    double ServerCpuMicrosPerCall,
    double WorkItemsPerCall,
    double LockContentionsPerCall,
    long Errors,
    LongHistogram Histogram);

/// <summary>
/// Runs a scenario closed-loop: <c>concurrency</c> callers, each issuing its next call when the previous one ends,
/// for a fixed time. Client CPU comes from this process's CPU time (the service runs in another process);
/// allocations from the runtime's precise allocation counter, so both are the client's alone (the loop itself
/// allocates nothing per call). Thread-pool work items and lock contentions per call say where CPU beyond the
/// wire goes: each work item is a hop between threads (and often an idle thread's spin and wake-up). The service's
/// CPU per call says whether a client makes the server work harder (the two share the cores).
/// </summary>
public static class ClosedLoopRunner
{
    private const long HighestTrackableMicros = 60_000_000;

    public static async Task<RunResult> RunAsync(CallScenario scenario, int concurrency, TimeSpan warmup, TimeSpan duration, Func<TimeSpan>? serverCpu, CancellationToken cancellationToken)
    {
        if (warmup > TimeSpan.Zero)
        {
            await RunLoopsAsync(scenario, concurrency, warmup, cancellationToken).ConfigureAwait(false);
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var serverCpuBefore = serverCpu?.Invoke() ?? TimeSpan.Zero;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var workItemsBefore = ThreadPool.CompletedWorkItemCount;
        var contentionsBefore = Monitor.LockContentionCount;
        var started = Stopwatch.GetTimestamp();
        var loops = await RunLoopsAsync(scenario, concurrency, duration, cancellationToken).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var workItems = ThreadPool.CompletedWorkItemCount - workItemsBefore;
        var contentions = Monitor.LockContentionCount - contentionsBefore;
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuBefore;
        var serverCpuUsed = (serverCpu?.Invoke() ?? TimeSpan.Zero) - serverCpuBefore;

        var histogram = new LongHistogram(HighestTrackableMicros, 3);
        long calls = 0, errors = 0;
        foreach (var loop in loops)
        {
            histogram.Add(loop.Histogram);
            calls += loop.Calls;
            errors += loop.Errors;
        }

        var total = Math.Max(1, calls + errors);
        return new RunResult(
            scenario.Name,
            concurrency,
            calls / elapsed.TotalSeconds,
            histogram.GetValueAtPercentile(50),
            histogram.GetValueAtPercentile(90),
            histogram.GetValueAtPercentile(99),
            histogram.GetMaxValue(),
            (double)allocated / total,
            cpu.TotalMicroseconds / total,
            serverCpu is null ? double.NaN : serverCpuUsed.TotalMicroseconds / total,
            (double)workItems / total,
            (double)contentions / total,
            errors,
            histogram);
    }

    private static async Task<Loop[]> RunLoopsAsync(CallScenario scenario, int concurrency, TimeSpan duration, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var loops = new Loop[concurrency];
        var tasks = new Task[concurrency];
        for (var i = 0; i < concurrency; i++)
        {
            loops[i] = new Loop();
            var loop = loops[i];
            tasks[i] = Task.Run(() => loop.RunAsync(scenario, stop.Token), CancellationToken.None);
        }

        stop.CancelAfter(duration);
        await Task.WhenAll(tasks).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return loops;
    }

    private sealed class Loop
    {
        public LongHistogram Histogram { get; } = new(HighestTrackableMicros, 3);

        public long Calls { get; private set; }

        public long Errors { get; private set; }

        public async Task RunAsync(CallScenario scenario, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    // The stop token only ends the loop; a call already started runs to its end, so no call is
                    // counted as an error because the measurement window closed.
                    await scenario.CallAsync(CancellationToken.None).ConfigureAwait(false);
                    Calls++;
                    Histogram.RecordValue(Math.Max(1, (long)Stopwatch.GetElapsedTime(start).TotalMicroseconds));
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Errors++;
                }
            }
        }
    }
}
