using System.Threading.Tasks.Sources;

namespace Cortex.Mcp.Fast.Tasks;

/// <summary>
/// The completion side of a pooled async method: a <see cref="ManualResetValueTaskSourceCore{TResult}"/> that goes
/// back to its pool when its result is taken.
/// </summary>
/// <typeparam name="TResult">The method's result type.</typeparam>
internal abstract class PooledStateMachineBox<TResult> : IValueTaskSource<TResult>, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<TResult> _core;

    /// <summary>Gets the version the current operation's task carries.</summary>
    public short Version => _core.Version;

    public TResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _core.Reset();
            ReturnToPool();
        }
    }

    void IValueTaskSource.GetResult(short token) => GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    internal void SetResult(TResult result) => _core.SetResult(result);

    internal void SetException(Exception exception) => _core.SetException(exception);

    /// <summary>Clears the box and gives it back to its pool.</summary>
    private protected abstract void ReturnToPool();
}
