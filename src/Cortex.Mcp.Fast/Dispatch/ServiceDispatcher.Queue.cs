using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>The queue's side of the dispatcher: moving admitted calls into the channel, and refusing calls the queue
/// will not run (a full queue, a refused waiter, a call shed by <see cref="QueueDelayShedder"/>).</summary>
internal sealed partial class ServiceDispatcher
{
    /// <summary>
    /// Moves an admitted call (it holds one live slot) into the channel and wakes a worker; false, with nothing
    /// written, when the call already ended (the caller gives the slot back).
    /// </summary>
    private bool WriteAdmitted(QueuedCall item)
    {
        if (!item.Call.TryAdmit(item.Version))
        {
            return false;
        }

        Write(item);
        return true;
    }

    /// <summary>Writes a queued item and wakes one worker; a closed channel (disposal) ends the call typed.</summary>
    private void Write(QueuedCall item)
    {
        if (_channel.Writer.TryWrite(item))
        {
            _signal.Release();
            return;
        }

        // Disposed: the call may already be completed by its disposal callback; only this incarnation may be
        // failed, and leaving Queued gives its live slot back (OnTransition).
        item.Call.TrySetException(ErrorFactory.Disposed(ServiceName, string.Empty), PendingCall.Queued, item.Version);
    }

    /// <summary>Refuses a call the queue will not run (full, or shed): counted, then failed from <paramref name="from"/>.</summary>
    private void Refuse(PendingCall call, short version, int from, QueueFullException error)
    {
        Interlocked.Increment(ref _queueRejections);
        McpTelemetry.QueueRejections.Add(1, _serviceTag);
        call.TrySetException(error, from, version);
    }
}
