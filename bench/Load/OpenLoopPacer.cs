namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>What the pacing loop did: calls dispatched and how late the latest dispatch was.</summary>
/// <param name="Dispatched">Calls handed to the dispatch delegate (including those it refused).</param>
/// <param name="MaxLagTicks">The largest gap between a call's intended time and the moment it was dispatched.</param>
public readonly record struct PacingResult(long Dispatched, long MaxLagTicks);

/// <summary>
/// The open-loop pacing loop: one thread that, each time it wakes, dispatches every call whose intended time has
/// passed (a batch when it is late) and then waits for the next intended time. It never waits for a call to finish,
/// so calls overlap, and a slow service cannot slow the arrival rate (no coordinated omission).
/// </summary>
/// <remarks>Runs synchronously on the calling thread; the runner gives it a dedicated thread.</remarks>
public static class OpenLoopPacer
{
    /// <param name="schedule">The arrival schedule.</param>
    /// <param name="total">How many calls to dispatch (those intended inside the window).</param>
    /// <param name="clock">The clock to read and wait on.</param>
    /// <param name="start">The timestamp of call 0.</param>
    /// <param name="dispatch">Starts one call: (intended timestamp, index). Must not block.</param>
    /// <param name="cancellationToken">Stops the loop early (the remaining calls are not dispatched).</param>
    public static PacingResult Run(LoadSchedule schedule, long total, PacingClock clock, long start, Action<long, long> dispatch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(dispatch);
        long next = 0;
        long maxLag = 0;
        while (next < total && !cancellationToken.IsCancellationRequested)
        {
            var elapsed = clock.GetTimestamp() - start;
            while (next < total)
            {
                var offset = schedule.IntendedOffset(next);
                if (offset > elapsed)
                {
                    break;
                }

                maxLag = Math.Max(maxLag, elapsed - offset);
                dispatch(start + offset, next);
                next++;
            }

            if (next < total)
            {
                clock.WaitUntil(start + schedule.IntendedOffset(next), cancellationToken);
            }
        }

        return new PacingResult(next, maxLag);
    }
}
