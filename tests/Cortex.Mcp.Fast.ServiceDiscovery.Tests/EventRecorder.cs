namespace Cortex.Mcp.Fast.ServiceDiscovery.Tests;

/// <summary>Records the service names an event is raised with, and lets a test await the n-th one (no polling).</summary>
internal sealed class EventRecorder
{
    private readonly Lock _gate = new();
    private readonly List<string> _events = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];

    /// <summary>The names recorded so far.</summary>
    public IReadOnlyList<string> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The handler to subscribe.</summary>
    public void Record(string service)
    {
        lock (_gate)
        {
            _events.Add(service);
            foreach (var waiter in _waiters.Where(w => _events.Count >= w.Count).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }
        }
    }

    /// <summary>Completes when at least <paramref name="count"/> events were recorded.</summary>
    public Task WaitAsync(int count, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_events.Count >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }
}
