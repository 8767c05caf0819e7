using System.Runtime.CompilerServices;

namespace Cortex.Mcp.Fast.Tasks;

/// <summary>
/// A suspended async method: its state machine, the execution context to resume it in, and its completion; kept in a
/// bounded pool per state machine type once its result is taken.
/// </summary>
/// <typeparam name="TStateMachine">The compiler-generated state machine.</typeparam>
/// <typeparam name="TResult">The method's result type.</typeparam>
internal sealed class StateMachineBox<TStateMachine, TResult> : PooledStateMachineBox<TResult>
    where TStateMachine : IAsyncStateMachine
{
    /// <summary>How many boxes of one method the pool keeps: enough for every call in flight in a busy service.</summary>
    private const int PoolSize = 256;

    // One box per thread first: a call's async methods mostly start and finish on one thread (the reply's thread
    // runs the caller's next call, see WorkerHandOff), so most rents and returns never touch shared state. Behind it a
    // stack under a lock held for a few instructions: no allocation; profiled at C=64 on 2 cores, the lock alone
    // (contended on every rent and return) cost about 8% of the client's CPU, the thread's slot takes that off.
    [ThreadStatic]
    private static StateMachineBox<TStateMachine, TResult>? t_cached;

    private static readonly StateMachineBox<TStateMachine, TResult>?[] s_pool = new StateMachineBox<TStateMachine, TResult>?[PoolSize];
    private static readonly object s_poolLock = new();
    private static int s_pooled;
    private static readonly ContextCallback s_moveNextInContext = static state =>
        Unsafe.As<StateMachineBox<TStateMachine, TResult>>(state!).StateMachine.MoveNext();

    private Action? _moveNextAction;

    /// <summary>The state machine (a copy taken at the first suspension; it runs from here on).</summary>
    public TStateMachine StateMachine = default!;

    /// <summary>The execution context captured at the last suspension, or null for the default one.</summary>
    public ExecutionContext? Context;

    /// <summary>Gets the continuation handed to awaiters (one delegate for the box's lifetime).</summary>
    public Action MoveNextAction => _moveNextAction ??= MoveNext;

    /// <summary>Takes a box from the pool, or makes one.</summary>
    public static StateMachineBox<TStateMachine, TResult> Rent()
    {
        if (t_cached is { } cached)
        {
            t_cached = null;
            return cached;
        }

        if (Volatile.Read(ref s_pooled) > 0)
        {
            lock (s_poolLock)
            {
                if (s_pooled > 0)
                {
                    StateMachineBox<TStateMachine, TResult> box = s_pool[--s_pooled]!;
                    s_pool[s_pooled] = null;
                    return box;
                }
            }
        }

        return new StateMachineBox<TStateMachine, TResult>();
    }

    private void MoveNext()
    {
        ExecutionContext? context = Context;
        if (context is null)
        {
            StateMachine.MoveNext();
        }
        else
        {
            ExecutionContext.Run(context, s_moveNextInContext, this);
        }
    }

    private protected override void ReturnToPool()
    {
        StateMachine = default!;
        Context = null;
        if (t_cached is null)
        {
            t_cached = this;
            return;
        }

        if (Volatile.Read(ref s_pooled) < PoolSize)
        {
            lock (s_poolLock)
            {
                if (s_pooled < PoolSize)
                {
                    s_pool[s_pooled++] = this;
                }
            }
        }
    }
}
