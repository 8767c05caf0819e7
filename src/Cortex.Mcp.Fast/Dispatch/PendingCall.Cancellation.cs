using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// How a call ends early: the callbacks on its three tokens (its deadline, the caller's, the client's disposal), the
/// reason the first one recorded, and the typed exception that reason makes.
/// </summary>
internal sealed partial class PendingCall
{
    private static readonly Action<object?> s_onTokenCanceled = static state => ((PendingCall)state!).OnTokenCanceled();
    private static readonly Action<object?> s_onCallerCanceled = static state => ((PendingCall)state!).Cancel(ReasonCaller);
    private static readonly Action<object?> s_onDisposed = static state => ((PendingCall)state!).Cancel(ReasonDisposed);

    /// <summary>The exception for a cancelled call: the caller's cancellation, client disposal, or the deadline.</summary>
    public Exception CreateCancellationException(string service, Exception? inner = null) => Volatile.Read(ref _cancelReason) switch
    {
        ReasonCaller => new OperationCanceledException("The call was canceled by the caller.", inner, _callerToken),
        ReasonDisposed => ErrorFactory.Disposed(service, Tool, Attempts),
        _ => ErrorFactory.Deadline(service, Tool, Timeout, Attempts, inner),
    };

    private void Cancel(int reason)
    {
        Interlocked.CompareExchange(ref _cancelReason, reason, ReasonNone);
        try
        {
            _cts?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Tolerated race: the call finished and its source was replaced; nothing left to cancel.
        }
    }

    private void OnTokenCanceled()
    {
        // Not running: nobody else will finish the call, so finish it here (the owner's transition hook releases
        // whatever the call held there). Running: the worker finishes it when the aborted attempt unwinds.
        // Re-read after a lost race: admission or the retry timer may move the call (to Queued, say) between the
        // read and the swap, and a cancellation must not be left for a worker to notice late. The version is the
        // incarnation whose token fired: a recycled call is never touched.
        Exception? exception = null;
        var version = (short)(ushort)(Volatile.Read(ref _state) >>> 32);
        for (var spins = 0; spins < 64; spins++)
        {
            var state = Volatile.Read(ref _state);
            var status = (int)state;
            if (status is Running or Completed or Free || (short)(ushort)(state >>> 32) != version)
            {
                return;
            }

            exception ??= CreateCancellationException(Owner?.ServiceName ?? string.Empty);
            if (TrySetException(exception, status, version))
            {
                return;
            }
        }
    }
}
