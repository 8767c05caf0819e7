namespace Cortex.Mcp.Fast.Tasks;

/// <summary>
/// Starts work that outlives the caller who happens to start it — a service's worker loops, a shared stream's read
/// loop, a pool's timer — without that caller's <see cref="ExecutionContext"/>. Otherwise its async-locals (an
/// Activity, a logging scope, an ASP.NET request's context) would be kept alive, and seen by every later caller's
/// work, for the life of the service. Start loops through <see cref="Task.Run(Func{Task})"/> inside it, so that even
/// their first synchronous part runs on a thread-pool thread in the default context.
/// </summary>
internal static class DetachedFlow
{
    /// <summary>Runs <paramref name="start"/> with the flow of the execution context suppressed, and returns what it returns.</summary>
    public static T Start<T>(Func<T> start)
    {
        if (ExecutionContext.IsFlowSuppressed())
        {
            return start();
        }

        using (ExecutionContext.SuppressFlow())
        {
            return start();
        }
    }
}
