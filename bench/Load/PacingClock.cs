using System.Diagnostics;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>
/// The clock the open-loop pacer reads and waits on. <see cref="System"/> is the real one; tests substitute a manual
/// clock whose <see cref="WaitUntil"/> and <see cref="DelayAsync"/> simply move time forward.
/// </summary>
public abstract class PacingClock
{
    /// <summary>The monotonic system clock (<see cref="Stopwatch"/>), waiting by a sleep/yield hybrid.</summary>
    public static PacingClock System { get; } = new SystemPacingClock();

    /// <summary>Ticks per second.</summary>
    public abstract long Frequency { get; }

    /// <summary>The current time in ticks.</summary>
    public abstract long GetTimestamp();

    /// <summary>Blocks the calling thread until <paramref name="timestamp"/> or until cancelled.</summary>
    public abstract void WaitUntil(long timestamp, CancellationToken cancellationToken);

    /// <summary>
    /// Waits about <paramref name="delay"/> without blocking a thread: the runner's poll while calls drain. The
    /// default is <see cref="Task.Delay(TimeSpan, CancellationToken)"/>; a test clock moves its own time instead, so a
    /// drain on it takes no wall time.
    /// </summary>
    public virtual Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, cancellationToken);

    /// <summary>Converts ticks of this clock to microseconds.</summary>
    public double ToMicroseconds(long ticks) => ticks * 1_000_000.0 / Frequency;

    /// <summary>Converts a time span to ticks of this clock.</summary>
    public long ToTicks(TimeSpan span) => (long)Math.Round(span.TotalSeconds * Frequency);

    /// <summary>
    /// Sleeps while more than <see cref="SleepThresholdTicks"/> remain (a 1 ms sleep overshoots by ~0.1 ms on Linux),
    /// then yields until the time comes. Yielding gives the CPU to any runnable thread (the client's workers), so
    /// the last stretch costs only otherwise idle CPU; at rates above ~1000/s the pacing thread is always in that
    /// stretch and shows as one busy (but yielding) thread.
    /// </summary>
    private sealed class SystemPacingClock : PacingClock
    {
        private static readonly long SleepThresholdTicks = (long)(Stopwatch.Frequency * 0.0012);

        public override long Frequency => Stopwatch.Frequency;

        public override long GetTimestamp() => Stopwatch.GetTimestamp();

        public override void WaitUntil(long timestamp, CancellationToken cancellationToken)
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var remaining = timestamp - Stopwatch.GetTimestamp();
                if (remaining <= 0)
                {
                    return;
                }

                if (remaining > SleepThresholdTicks)
                {
                    Thread.Sleep(1);
                }
                else
                {
                    Thread.Yield();
                }
            }
        }
    }
}
