namespace Cortex.Mcp.Fast.Testing.Internal;

/// <summary>
/// Tasks that complete when a condition over some counters becomes true, re-checked on every change.
/// </summary>
/// <remarks>
/// The hot path (<see cref="Notify"/> with nobody waiting) is one volatile read. A waiter is added under the lock and
/// then re-checks its condition; <see cref="Notify"/> runs after the counter change (an interlocked operation), so
/// either the notifier sees the waiter or the waiter sees the new value: no wake-up is lost.
/// Conditions run under the lock and must be cheap and non-blocking.
/// </remarks>
internal sealed class ConditionWaiters
{
    private readonly Lock _lock = new();
    private readonly List<Waiter> _waiters = [];
    private int _count;

    /// <summary>Returns a task that completes when <paramref name="condition"/> returns true.</summary>
    public Task WaitAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        if (condition())
        {
            return Task.CompletedTask;
        }

        var waiter = new Waiter(condition);
        lock (_lock)
        {
            _waiters.Add(waiter);
            Interlocked.Increment(ref _count); // full fence before the re-check below
        }

        if (condition())
        {
            Remove(waiter);
            return Task.CompletedTask;
        }

        if (cancellationToken.CanBeCanceled)
        {
            waiter.Registration = cancellationToken.Register(static state =>
            {
                var (self, w) = ((ConditionWaiters, Waiter))state!;
                self.Remove(w);
                w.Completion.TrySetCanceled();
            }, (this, waiter));
        }

        return waiter.Completion.Task;
    }

    /// <summary>Re-checks every waiter's condition; call after each change of the watched values.</summary>
    public void Notify()
    {
        if (Volatile.Read(ref _count) == 0)
        {
            return;
        }

        List<Waiter>? done = null;
        lock (_lock)
        {
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var waiter = _waiters[i];
                bool satisfied;
                try
                {
                    satisfied = waiter.Condition();
                }
#pragma warning disable CA1031 // A faulty user condition faults its own task, not the request that notified.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    waiter.Completion.TrySetException(ex);
                    satisfied = true;
                }

                if (satisfied)
                {
                    _waiters.RemoveAt(i);
                    Interlocked.Decrement(ref _count);
                    (done ??= []).Add(waiter);
                }
            }
        }

        if (done is not null)
        {
            foreach (var waiter in done)
            {
                waiter.Registration.Dispose();
                waiter.Completion.TrySetResult();
            }
        }
    }

    private void Remove(Waiter waiter)
    {
        lock (_lock)
        {
            if (_waiters.Remove(waiter))
            {
                Interlocked.Decrement(ref _count);
            }
        }
    }

    private sealed class Waiter(Func<bool> condition)
    {
        public Func<bool> Condition { get; } = condition;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }
    }
}
