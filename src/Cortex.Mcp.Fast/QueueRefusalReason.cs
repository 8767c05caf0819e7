namespace Cortex.Mcp.Fast;

/// <summary>Why a service's call queue refused a call (<see cref="QueueFullException.Reason"/>). In every case the
/// call was never sent: it is safe to retry elsewhere or later, idempotent or not.</summary>
public enum QueueRefusalReason
{
    /// <summary>The queue held <see cref="QueueOptions.Capacity"/> live calls (<see cref="QueueFullMode.FailFast"/> or
    /// <see cref="QueueFullMode.Shed"/> mode).</summary>
    QueueFull = 0,

    /// <summary>The queue was full and <see cref="QueueOptions.MaxWaiters"/> callers already waited for room
    /// (<see cref="QueueFullMode.Wait"/> mode).</summary>
    WaiterLimit = 1,

    /// <summary>Shed by queueing delay (<see cref="QueueFullMode.Shed"/> mode): the queue had been overloaded for
    /// <see cref="QueueOptions.ShedInterval"/> and this call waited longer than <see cref="QueueOptions.ShedTarget"/>
    /// before a worker reached it.</summary>
    QueueingDelay = 2,

    /// <summary>Shed on arrival (<see cref="QueueFullMode.Shed"/> mode): the queue held calls but no worker had taken
    /// one for <see cref="QueueOptions.ShedInterval"/> (a stalled service), so the call was refused at once instead of
    /// waiting toward its deadline.</summary>
    Stalled = 3,
}
