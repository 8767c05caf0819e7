using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cortex.Mcp.Fast.Tasks;

// The compiler calls the builder pattern's members on an instance, so they stay instance members.
#pragma warning disable CA1822

/// <summary>
/// The <see cref="ValueTask"/> form of <see cref="PooledValueTaskMethodBuilder{TResult}"/> (same pool, same semantics).
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct PooledValueTaskMethodBuilder
{
    private PooledValueTaskMethodBuilder<VoidResult> _inner;

    /// <summary>Gets the method's task.</summary>
    public readonly ValueTask Task =>
        _inner.Box is { } box ? new ValueTask(box, box.Version)
        : _inner.Exception is { } exception ? ValueTask.FromException(exception)
        : ValueTask.CompletedTask;

    /// <summary>Creates a builder.</summary>
    public static PooledValueTaskMethodBuilder Create() => default;

    /// <summary>Runs the state machine's synchronous part.</summary>
    public readonly void Start<TStateMachine>(ref TStateMachine stateMachine)
        where TStateMachine : IAsyncStateMachine => _inner.Start(ref stateMachine);

    /// <summary>Not used by this builder.</summary>
    public readonly void SetStateMachine(IAsyncStateMachine stateMachine)
    {
    }

    /// <summary>Completes the method.</summary>
    public void SetResult() => _inner.SetResult(default);

    /// <summary>Completes the method with an exception.</summary>
    public void SetException(Exception exception) => _inner.SetException(exception);

    /// <summary>Suspends on an awaiter.</summary>
    public void AwaitOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : INotifyCompletion
        where TStateMachine : IAsyncStateMachine => _inner.AwaitOnCompleted(ref awaiter, ref stateMachine);

    /// <summary>Suspends on an awaiter.</summary>
    public void AwaitUnsafeOnCompleted<TAwaiter, TStateMachine>(ref TAwaiter awaiter, ref TStateMachine stateMachine)
        where TAwaiter : ICriticalNotifyCompletion
        where TStateMachine : IAsyncStateMachine => _inner.AwaitUnsafeOnCompleted(ref awaiter, ref stateMachine);
}

/// <summary>The result of a method with none.</summary>
internal readonly struct VoidResult;
