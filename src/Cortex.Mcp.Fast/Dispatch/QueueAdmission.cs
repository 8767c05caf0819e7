using System.Diagnostics;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// The capacity of a service's call queue, counted in live calls: a counter of admitted calls that have not left
/// the queue yet, and the callers waiting for room (a full queue in <see cref="QueueFullMode.Wait"/> mode). The
/// channel behind it is unbounded and may still hold entries of calls that already ended (expired or cancelled
/// while queued); those count for nothing here and are discarded when a worker reads them.
/// </summary>
/// <remarks>
/// <para>Accounting. <see cref="TryEnter"/> (capacity-checked) or <see cref="EnterUnchecked"/> adds one live call
/// before the call moves to <see cref="PendingCall.Queued"/>; <see cref="Leave"/> removes it when the call leaves
/// that status, by whatever route (a worker takes it, its deadline or its caller's cancellation fires, the client is
/// disposed). <see cref="PendingCall"/>'s CAS makes each leave happen exactly once.</para>
/// <para>Waiters. A caller that found no room parks its call (still <see cref="PendingCall.Admitting"/>) here, in
/// arrival order. A leaving call hands its slot straight to the first waiter (<see cref="Pump"/>), so a waiter is
/// never overtaken for long by later arrivals. A waiter whose call ended meanwhile (deadline, cancellation) is
/// removed by <see cref="Abandon"/>; one that ends while being handed a slot gives the slot back.</para>
/// <para>Concurrency. The live count changes only by Interlocked operations and the fast path
/// (<see cref="TryEnter"/>, <see cref="Leave"/> with nobody waiting) takes no lock. The waiter list and its count
/// change under <see cref="_gate"/>. No wake-up is lost: <see cref="Leave"/> decrements and then reads
/// <see cref="_waiting"/>; <see cref="TryWait"/> increments <see cref="_waiting"/> and then re-checks the count (both
/// full fences), so at least one of them sees the other. Accepted race: a new arrival may take a slot freed between
/// a leave's decrement and its hand-over, ahead of an older waiter (that waiter gets the next slot).</para>
/// <para>Bounds: at most <see cref="Capacity"/> live calls and at most <see cref="MaxWaiters"/> waiters
/// (<see cref="TryWait"/> refuses beyond). Shedding by queueing delay (<see cref="QueueFullMode.Shed"/>) is decided
/// where a worker takes a call (<see cref="QueueDelayShedder"/>), not here.</para>
/// </remarks>
internal sealed class QueueAdmission
{
    /// <summary>Guards <see cref="_waiters"/> and <see cref="PendingCall.RoomNode"/>; never held while calling out.</summary>
    private readonly Lock _gate = new();

    /// <summary>Callers waiting for room, oldest first, with the incarnation they wait for.</summary>
    private readonly LinkedList<QueuedCall> _waiters = new();

    /// <summary>Moves a waiter that was handed a slot into the queue; false when its call already ended.</summary>
    private readonly Func<QueuedCall, bool> _admit;

    /// <summary>Live calls: admitted and not yet left the queue.</summary>
    private int _live;

    /// <summary>Count of <see cref="_waiters"/>, readable without the lock.</summary>
    private int _waiting;

    public QueueAdmission(int capacity, int maxWaiters, Func<QueuedCall, bool> admit)
    {
        Debug.Assert(capacity > 0, "A queue holds at least one call.");
        Debug.Assert(maxWaiters >= 0, "The waiter bound is not negative.");
        Capacity = capacity;
        MaxWaiters = maxWaiters;
        _admit = admit;
    }

    /// <summary>How many live calls the queue admits with a capacity check.</summary>
    public int Capacity { get; }

    /// <summary>How many callers may wait for room at once (<see cref="TryWait"/>).</summary>
    public int MaxWaiters { get; }

    /// <summary>Live calls in the queue right now (the queue depth of diagnostics).</summary>
    public int Live => Volatile.Read(ref _live);

    /// <summary>Callers waiting for room right now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>Admits one call if there is room; lock-free.</summary>
    public bool TryEnter()
    {
        var live = Volatile.Read(ref _live);
        while (live < Capacity)
        {
            var seen = Interlocked.CompareExchange(ref _live, live + 1, live);
            if (seen == live)
            {
                return true;
            }

            live = seen;
        }

        return false;
    }

    /// <summary>
    /// Admits one call without the capacity check: a retry after its backoff or a resumed call. They are live calls
    /// (they count for depth and capacity of later arrivals) but are never refused, so a call the service already
    /// accepted is never failed by its own queue.
    /// </summary>
    public void EnterUnchecked() => Interlocked.Increment(ref _live);

    /// <summary>One live call left the queue (or an admission was not used): hands the slot to a waiter, if any.</summary>
    public void Leave()
    {
        var live = Interlocked.Decrement(ref _live);
        Debug.Assert(live >= 0, "More calls left the queue than entered it.");
        if (Volatile.Read(ref _waiting) != 0)
        {
            Pump();
        }
    }

    /// <summary>
    /// Parks <paramref name="item"/>'s call until a slot is free (its status stays <see cref="PendingCall.Admitting"/>;
    /// its deadline and cancellation still complete it, see <see cref="Abandon"/>). May admit it at once. False, with
    /// nothing parked, when <see cref="MaxWaiters"/> callers already wait and there is still no room: the caller refuses
    /// the call (waiters are bounded as the queue is, so a stalled service cannot gather callers without limit).
    /// </summary>
    public bool TryWait(QueuedCall item)
    {
        var admitted = false;
        lock (_gate)
        {
            AssertInvariants_NeedsLock();
            if (_waiters.Count >= MaxWaiters)
            {
                if (!TryEnter())
                {
                    return false;
                }

                admitted = true;
            }
            else
            {
                var node = _waiters.AddLast(item);
                item.Call.RoomNode = node;
                Interlocked.Increment(ref _waiting);

                // Re-check after announcing the wait: a leave that decremented before seeing us left room.
                if (TryEnter())
                {
                    Remove_NeedsLock(node);
                    admitted = true;
                }
                else if (!item.Call.IsIn(item.Version, PendingCall.Admitting))
                {
                    Remove_NeedsLock(node); // ended before it was parked; its Abandon may have found nothing to remove
                }
            }
        }

        if (admitted && !_admit(item))
        {
            Leave();
        }

        return true;
    }

    /// <summary>The call of a waiter ended (deadline, cancellation, disposal): it no longer waits. Idempotent.</summary>
    public void Abandon(PendingCall call)
    {
        lock (_gate)
        {
            AssertInvariants_NeedsLock();
            if (call.RoomNode is { } node)
            {
                Remove_NeedsLock(node);
            }
        }
    }

    /// <summary>Hands free slots to the oldest waiters; a waiter whose call ended gives its slot back.</summary>
    private void Pump()
    {
        while (true)
        {
            QueuedCall next;
            lock (_gate)
            {
                AssertInvariants_NeedsLock();
                if (_waiters.First is not { } node || !TryEnter())
                {
                    return;
                }

                next = node.Value;
                Remove_NeedsLock(node);
            }

            if (_admit(next))
            {
                continue;
            }

            Interlocked.Decrement(ref _live); // the waiter ended meanwhile: the slot goes to the next one
        }
    }

    [Conditional("DEBUG")]
    private void AssertInvariants_NeedsLock()
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "The waiter list is guarded by the gate.");
        Debug.Assert(Volatile.Read(ref _waiting) == _waiters.Count, "The lock-free waiter count matches the list.");
        Debug.Assert(Volatile.Read(ref _live) >= 0, "The live count is never negative.");
        Debug.Assert(_waiters.Count == 0 || _waiters.First!.Value.Call.RoomNode == _waiters.First, "A parked call knows its place.");
    }

    private void Remove_NeedsLock(LinkedListNode<QueuedCall> node)
    {
        if (node.List is not null)
        {
            _waiters.Remove(node);
            Interlocked.Decrement(ref _waiting);
        }

        if (ReferenceEquals(node.Value.Call.RoomNode, node))
        {
            node.Value.Call.RoomNode = null;
        }
    }
}
