using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Tasks;

// The compiler calls the builder pattern's members on an instance, so they stay instance members.
#pragma warning disable CA1822

/// <summary>
/// An async method builder for <see cref="ValueTask{TResult}"/> whose state machine boxes are kept in a pool sized
/// for many operations in flight at once (<see cref="StateMachineBox{TStateMachine, TResult}"/>).
/// </summary>
/// <remarks>
/// Why not the runtime's <see cref="PooledValueTaskMethodBuilder{TResult}"/>: its cache holds one box per
/// thread and about one per core, so with 64 calls suspended at once (the headline's C=64 on two cores) nearly every
/// suspension allocates a new box — a few hundred bytes per frame per call. A connection's or a call's frames are
/// suspended for the whole network round trip, so the pool has to hold as many boxes as there are calls in flight.
/// Semantics are the runtime builder's: the synchronous part runs on the caller's flow with its execution context
/// restored afterwards, the context is captured at each suspension and restored for the continuation, and a box is
/// returned to the pool when its result is taken (a <see cref="ValueTask{TResult}"/> is awaited once).
/// </remarks>
/// <typeparam name="TResult">The method's result type.</typeparam>
[StructLayout(LayoutKind.Auto)]
internal struct PooledValueTaskMethodBuilder<TResult>
{
    private PooledStateMachineBox<TResult>? _box;
    private Exception? _exception;
    private TResult _result;

    /// <summary>Gets the method's task: its result when it finished synchronously, otherwise its box.</summary>
    public readonly ValueTask<TResult> Task =>
        _box is not null ? new ValueTask<TResult>(_box, _box.Version)
        : _exception is not null ? ValueTask.FromException<TResult>(_exception)
        : new ValueTask<TResult>(_result);

    /// <summary>Gets the box of a suspended method, or null while it has not suspended.</summary>
    internal readonly PooledStateMachineBox<TResult>? Box => _box;

    /// <summary>Gets the exception of a method that failed before it suspended.</summary>
    internal readonly Exception? Exception => _exception;

    /// <summary>Creates a builder.</summary>
    public static PooledValueTaskMethodBuilder<TResult> Create() => default;

    /// <summary>Runs the state machine's synchronous part (execution context restored afterwards).</summary>
    public readonly void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        // The runtime's Start (save and restore the execution and synchronization contexts around MoveNext) does
        // not depend on its builder's state.
        AsyncValueTaskMethodBuilder<TResult> start = default;
        start.Start(ref stateMachine);
    }

    /// <summary>Not used by this builder (the box is made on the first suspension).</summary>
    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Completes the method with its result.</summary>
    public void SetResult(TResult result)
    {
        if (_box is null)
        {
            _result = result;
        }
        else
        {
            _box.SetResult(result);
        }
    }

    /// <summary>Completes the method with an exception.</summary>
    public void SetException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (_box is null)
        {
            _exception = exception;
        }
        else
        {
            _box.SetException(exception);
        }
    }

    /// <summary>Suspends on an awaiter.</summary>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        awaiter.OnCompleted(GetBox(ref stateMachine).MoveNextAction);

    /// <summary>Suspends on an awaiter (the box carries the execution context itself).</summary>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine =>
        awaiter.UnsafeOnCompleted(GetBox(ref stateMachine).MoveNextAction);

    private StateMachineBox<TStateMachine, TResult> GetBox<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine
    {
        ExecutionContext? context = ExecutionContext.Capture();
        if (_box is StateMachineBox<TStateMachine, TResult> box)
        {
            box.Context = context;
            return box;
        }

        // First suspension: the box must be set on this builder before the state machine (which holds this builder)
        // is copied into it, so that the copy completes through the box.
        box = StateMachineBox<TStateMachine, TResult>.Rent();
        _box = box;
        box.Context = context;
        box.StateMachine = stateMachine;
        return box;
    }
}
