using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Transports.Streams;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports every one-shot timer (a <c>Task.Delay</c>) as it is created, so a
/// test can see each wait the code under test starts and advance the clock by exactly that much. Periodic timers
/// (stall watchdogs) are not reported.
/// </summary>
internal sealed class RecordingTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _delays = Channel.CreateUnbounded<TimeSpan>();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (period == Timeout.InfiniteTimeSpan && dueTime != Timeout.InfiniteTimeSpan)
        {
            _delays.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>
    /// Runs <paramref name="work"/> and, while it runs, advances the clock by every wait it starts; returns its
    /// outcome and the waits in order.
    /// </summary>
    public async Task<(Task<T> Outcome, List<TimeSpan> Waits)> RunAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken)
    {
        var waits = new List<TimeSpan>();
        var task = work();
        while (true)
        {
            var delayed = _delays.Reader.WaitToReadAsync(cancellationToken).AsTask();
            var first = await Task.WhenAny(task, delayed).WaitAsync(cancellationToken);
            while (_delays.Reader.TryRead(out var delay))
            {
                waits.Add(delay);
                Advance(delay);
            }

            if (first == task)
            {
                await Task.WhenAny(task); // observe without throwing
                return (task, waits);
            }
        }
    }
}
