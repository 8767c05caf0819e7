using System.Buffers;

namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>
/// One periodic timer for every open stream of a transport: each <see cref="StallWatchdog"/> registers here instead
/// of creating a timer of its own, so a reply stream costs no timer creation (an MCP server may answer every call
/// with an SSE stream). Ticks at the smallest period any watched stream asked for; idle ticks are one lock and an
/// empty list.
/// </summary>
/// <remarks>Thread-safe. <see cref="_watched"/> changes only under <see cref="_lock"/>; a tick checks a snapshot
/// outside the lock, because ending a stream may run its reader's continuation inline, which unregisters it.</remarks>
internal sealed class StallMonitor : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<StallWatchdog> _watched = [];
    private ITimer? _timer;
    private TimeSpan _period = TimeSpan.MaxValue;
    private bool _disposed;

    public StallMonitor(TimeProvider timeProvider)
    {
        TimeProvider = timeProvider;
    }

    /// <summary>The clock of the watched streams (a watchdog on another clock keeps its own timer).</summary>
    public TimeProvider TimeProvider { get; }

    /// <summary>Streams watched now (diagnostics and tests).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _watched.Count;
            }
        }
    }

    public void Watch(StallWatchdog watchdog)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            watchdog.MonitorIndex = _watched.Count;
            _watched.Add(watchdog);
            if (watchdog.Period < _period)
            {
                _period = watchdog.Period;
                if (_timer is null)
                {
                    _timer = TimeProvider.CreateTimer(static s => ((StallMonitor)s!).Tick(), this, _period, _period);
                }
                else
                {
                    _timer.Change(_period, _period);
                }
            }
        }
    }

    public void Unwatch(StallWatchdog watchdog)
    {
        lock (_lock)
        {
            var index = watchdog.MonitorIndex;
            if (index < 0 || index >= _watched.Count || !ReferenceEquals(_watched[index], watchdog))
            {
                return;
            }

            // Swap-remove: O(1), order does not matter.
            var last = _watched[^1];
            _watched[index] = last;
            last.MonitorIndex = index;
            _watched.RemoveAt(_watched.Count - 1);
            watchdog.MonitorIndex = -1;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _watched.Clear();
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void Tick()
    {
        StallWatchdog[] snapshot;
        int count;
        lock (_lock)
        {
            count = _watched.Count;
            if (count == 0)
            {
                return;
            }

            snapshot = ArrayPool<StallWatchdog>.Shared.Rent(count);
            _watched.CopyTo(snapshot);
        }

        try
        {
            for (var i = 0; i < count; i++)
            {
                snapshot[i].Check();
            }
        }
        finally
        {
            ArrayPool<StallWatchdog>.Shared.Return(snapshot, clearArray: true);
        }
    }
}
