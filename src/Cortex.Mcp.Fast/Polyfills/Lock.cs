#if !NET9_0_OR_GREATER
// System.Threading.Lock arrived in .NET 9. On net8.0 this stand-in keeps every `private readonly Lock _gate = new();`
// and `lock (_gate)` unchanged: the C# compiler lowers `lock` on a type named System.Threading.Lock to
// EnterScope()/Scope.Dispose() whatever assembly declares it, so the call sites compile to the same shape on every
// target. Underneath it is a Monitor on a private object (never on `this`, which a caller could also lock).
namespace System.Threading;

/// <summary>The net8.0 stand-in for .NET 9's <c>System.Threading.Lock</c>: the members the library uses.</summary>
internal sealed class Lock
{
    private readonly object _monitor = new();

    /// <summary>Whether the calling thread holds the lock.</summary>
    public bool IsHeldByCurrentThread => Monitor.IsEntered(_monitor);

    /// <summary>Enters the lock, waiting as long as needed.</summary>
    public void Enter() => Monitor.Enter(_monitor);

    /// <summary>Leaves the lock held by the calling thread.</summary>
    public void Exit() => Monitor.Exit(_monitor);

    /// <summary>Enters the lock and returns the scope whose disposal leaves it (what <c>lock</c> compiles to).</summary>
    public Scope EnterScope()
    {
        Monitor.Enter(_monitor);
        return new Scope(this);
    }

    /// <summary>A held lock; <see cref="Dispose"/> leaves it.</summary>
    public ref struct Scope
    {
        private Lock? _owner;

        internal Scope(Lock owner) => _owner = owner;

        /// <summary>Leaves the lock (once).</summary>
        public void Dispose()
        {
            var owner = _owner;
            if (owner is not null)
            {
                _owner = null;
                owner.Exit();
            }
        }
    }
}
#endif
