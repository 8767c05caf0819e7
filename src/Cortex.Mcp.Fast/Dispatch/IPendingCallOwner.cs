namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>What a <see cref="PendingCall"/> tells the dispatcher that owns it (a seam so the call's state machine can be tested alone).</summary>
internal interface IPendingCallOwner
{
    /// <summary>The service name, for the exceptions the call builds itself (deadline, disposal).</summary>
    string ServiceName { get; }

    /// <summary>
    /// Called by the party that won a status CAS, right after it, before any completion is published (the call
    /// cannot be recycled meanwhile). Leaving <see cref="PendingCall.Queued"/> is reported exactly once per stay.
    /// </summary>
    void OnTransition(PendingCall call, int from, int to);

    /// <summary>Called once per call, after its completion is decided and before the caller can see it.</summary>
    void OnCompleting(PendingCall call, Exception? error);

    /// <summary>Returns a finished call to the pool (from <see cref="PendingCall.GetResult"/>).</summary>
    void ReturnToPool(PendingCall call);
}
