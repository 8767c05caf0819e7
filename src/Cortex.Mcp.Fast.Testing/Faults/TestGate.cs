using Cortex.Mcp.Fast.Testing.Internal;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// Holds tool calls until released, so that a test can fill a client's queues without relying on timing.
/// </summary>
/// <remarks>
/// Open by default. After <see cref="Close"/>, every tool call that arrives waits (after it has been counted) until
/// <see cref="Release"/>, until its client goes away, or until the service stops. Thread-safe.
/// <example>
/// <code>
/// service.Faults.Gate.Close();
/// var calls = Enumerable.Range(0, 8).Select(_ => client.PostAsync(...)).ToArray();
/// await service.Faults.Gate.WaitForWaitingAsync(8, ct); // all eight are now held by the server
/// service.Faults.Gate.Release();
/// </code>
/// </example>
/// </remarks>
public sealed class TestGate
{
    private readonly ConditionWaiters _waiters = new();
    private TaskCompletionSource? _closed;
    private int _waiting;

    internal TestGate()
    {
    }

    /// <summary><see langword="true"/> when tool calls pass straight through.</summary>
    public bool IsOpen => Volatile.Read(ref _closed) is null;

    /// <summary>The number of tool calls held right now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Holds every tool call that arrives from now on, until <see cref="Release"/>. Idempotent.</summary>
    public void Close()
        => Interlocked.CompareExchange(ref _closed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    /// <summary>Opens the gate and lets every held call continue. Idempotent.</summary>
    public void Release() => Interlocked.Exchange(ref _closed, null)?.TrySetResult();

    /// <summary>Completes when at least <paramref name="count"/> tool calls are held at the gate.</summary>
    public Task WaitForWaitingAsync(int count, CancellationToken cancellationToken = default)
        => _waiters.WaitAsync(() => Waiting >= count, cancellationToken);

    internal ValueTask PassAsync(CancellationToken cancellationToken)
    {
        var closed = Volatile.Read(ref _closed);
        return closed is null ? default : WaitSlowAsync(closed, cancellationToken);
    }

    private async ValueTask WaitSlowAsync(TaskCompletionSource closed, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        _waiters.Notify();
        try
        {
            await closed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
            _waiters.Notify();
        }
    }
}
