using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// The connections to one endpoint: at most <see cref="MaxConnections"/> open at once, lent one request at a time
/// and taken back when the connection says it may carry another.
/// </summary>
/// <remarks>
/// <para>A lease takes the most recently used idle connection that is still fit (reusable, idle for less than the idle
/// timeout, younger than the lifetime, and quiet: nothing arrived from the server while it was idle); unfit ones are
/// closed on the way. With none idle it connects a new one while under the maximum, otherwise it waits, first come
/// first served, bounded by the caller's token. A connection the server closed while idle is therefore never lent:
/// the request goes on the next one.</para>
/// <para>Idle connections past the idle timeout are also closed by a periodic sweep on the injected
/// <see cref="TimeProvider"/>. A connection older than the lifetime is closed when it comes back instead of pooled.</para>
/// <para>Thread-safe. The connection itself is used by one caller at a time: whoever leased it until it is returned.</para>
/// </remarks>
/// <typeparam name="TConnection">The connection type (<see cref="Http1Connection"/>; fakes in tests).</typeparam>
internal sealed class Http1ConnectionPool<TConnection> : IAsyncDisposable
    where TConnection : class, IHttp1PooledConnection
{
    private readonly Func<CancellationToken, ValueTask<TConnection>> _connect;
    private readonly TimeProvider _timeProvider;
    private readonly long _idleTimeoutTicks;
    private readonly long _lifetimeTicks;
    private readonly Lock _lock = new();

    /// <summary>Idle connections; the end of the list is the most recently returned.</summary>
    private readonly List<TConnection> _idle = [];

    /// <summary>Leases waiting for a connection, oldest first. A waiter gets a connection, or null: a slot to connect in.</summary>
    private readonly Queue<TaskCompletionSource<TConnection?>> _waiters = new();
    private readonly ITimer? _sweepTimer;
    private int _open;
    private long _created;
    private bool _disposed;

    /// <param name="connect">Makes a new connection (connect timeout and TLS are its business).</param>
    /// <param name="maxConnections">The most connections open at once (connecting, lent or idle).</param>
    /// <param name="idleTimeout">How long a connection may sit idle and still be lent; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="lifetime">How long after it was made a connection may still be pooled; <see cref="Timeout.InfiniteTimeSpan"/> for no limit.</param>
    /// <param name="timeProvider">The clock for the timeouts and the sweep.</param>
    public Http1ConnectionPool(
        Func<CancellationToken, ValueTask<TConnection>> connect, int maxConnections, TimeSpan idleTimeout, TimeSpan lifetime, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(connect);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConnections, 1);
        if (idleTimeout <= TimeSpan.Zero && idleTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(idleTimeout), idleTimeout, "The idle timeout must be positive or infinite.");
        }

        if (lifetime <= TimeSpan.Zero && lifetime != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "The lifetime must be positive or infinite.");
        }

        _connect = connect;
        _timeProvider = timeProvider;
        MaxConnections = maxConnections;
        _idleTimeoutTicks = ToTimestampTicks(idleTimeout, timeProvider);
        _lifetimeTicks = ToTimestampTicks(lifetime, timeProvider);
        if (idleTimeout != Timeout.InfiniteTimeSpan)
        {
            // Cheap: one timer per endpoint, a look at the oldest idle connections a couple of times per idle timeout.
            TimeSpan period = idleTimeout / 2 < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : idleTimeout / 2;
            _sweepTimer = DetachedFlow.Start(() => timeProvider.CreateTimer(static state => ((Http1ConnectionPool<TConnection>)state!).SweepIdle(), this, period, period));
        }
    }

    /// <summary>Gets the most connections open at once.</summary>
    public int MaxConnections { get; }

    /// <summary>Gets the connections open now: connecting, lent or idle (for diagnostics).</summary>
    public int OpenConnections
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    /// <summary>Gets the connections idle in the pool now.</summary>
    public int IdleConnections
    {
        get
        {
            lock (_lock)
            {
                return _idle.Count;
            }
        }
    }

    /// <summary>Gets the connections made so far (for diagnostics).</summary>
    public long ConnectionsCreated => Interlocked.Read(ref _created);

    /// <summary>Lends a connection: a fit idle one, a new one, or (at the maximum) the next one returned.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (while waiting or connecting).</exception>
    /// <exception cref="ObjectDisposedException">The pool is disposed (or was while waiting).</exception>
    /// <exception cref="Http1ConnectionException">The connect failed (the request was never sent).</exception>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<TConnection> LeaseAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        List<TConnection>? unfit = null;
        TConnection? idle = null;
        TaskCompletionSource<TConnection?>? waiter = null;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            long now = _timeProvider.GetTimestamp();
            while (_idle.Count > 0)
            {
                TConnection candidate = _idle[^1];
                _idle.RemoveAt(_idle.Count - 1);
                if (IsFit(candidate, now))
                {
                    idle = candidate;
                    break;
                }

                // Its slot passes to this lease (there are no waiters while connections sit idle).
                (unfit ??= []).Add(candidate);
                _open--;
            }

            if (idle is null)
            {
                if (_open < MaxConnections)
                {
                    _open++;
                }
                else
                {
                    waiter = new TaskCompletionSource<TConnection?>(TaskCreationOptions.RunContinuationsAsynchronously);
                    _waiters.Enqueue(waiter);
                }
            }
        }

        if (unfit is not null)
        {
            foreach (TConnection connection in unfit)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }

        if (idle is not null)
        {
            return idle;
        }

        if (waiter is not null)
        {
            TConnection? handed;
            using (cancellationToken.UnsafeRegister(static (state, token) =>
                ((TaskCompletionSource<TConnection?>)state!).TrySetCanceled(token), waiter))
            {
                handed = await waiter.Task.ConfigureAwait(false);
            }

            if (handed is not null)
            {
                return handed;
            }

            // Handed a free slot: connect in it.
        }

        return await ConnectInSlotAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes a lent connection back: pooled (or handed to the next waiter) when it is reusable and younger than the
    /// lifetime, closed otherwise.
    /// </summary>
    public ValueTask ReturnAsync(TConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        long now = _timeProvider.GetTimestamp();
        if (!connection.IsReusable || IsPastLifetime(connection, now))
        {
            return DiscardAsync(connection);
        }

        connection.LastUsedTimestamp = now;
        return Offer(connection) ? ValueTask.CompletedTask : connection.DisposeAsync();
    }

    /// <summary>Opens connections until <paramref name="count"/> are open (never above the maximum), and pools them idle.</summary>
    /// <returns>How many connections were made.</returns>
    /// <exception cref="Http1ConnectionException">A connect failed (the others made are pooled).</exception>
    public async ValueTask<int> WarmUpAsync(int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int toMake;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            toMake = Math.Max(0, Math.Min(count, MaxConnections) - _open);
            _open += toMake;
        }

        var connects = new Task<TConnection>[toMake];
        for (int i = 0; i < toMake; i++)
        {
            connects[i] = ConnectInSlotAsync(cancellationToken).AsTask();
        }

        int made = 0;
        Exception? failure = null;
        foreach (Task<TConnection> connect in connects)
        {
            try
            {
                TConnection connection = await connect.ConfigureAwait(false);
                await ReturnAsync(connection).ConfigureAwait(false);
                made++;
            }
            catch (Exception ex) when (ex is Http1ConnectionException or OperationCanceledException or ObjectDisposedException)
            {
                failure ??= ex;
            }
        }

        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }

        return made;
    }

    /// <summary>Closes the idle connections that are no longer fit (idle too long, too old, or closed by the server).</summary>
    /// <returns>How many were closed.</returns>
    public int SweepIdle()
    {
        List<TConnection>? unfit = null;
        lock (_lock)
        {
            long now = _timeProvider.GetTimestamp();
            for (int i = _idle.Count - 1; i >= 0; i--)
            {
                if (!IsFit(_idle[i], now))
                {
                    (unfit ??= []).Add(_idle[i]);
                    _idle.RemoveAt(i);
                    _open--;
                }
            }
        }

        if (unfit is null)
        {
            return 0;
        }

        foreach (TConnection connection in unfit)
        {
            // Http1Connection closes synchronously; a fake may not, and nothing waits on it here.
            _ = connection.DisposeAsync().AsTask();
        }

        return unfit.Count;
    }

    /// <summary>Closes the idle connections, fails the waiting leases, and closes every connection returned later.</summary>
    public async ValueTask DisposeAsync()
    {
        TConnection[] idle;
        TaskCompletionSource<TConnection?>[] waiters;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            idle = [.. _idle];
            _open -= _idle.Count;
            _idle.Clear();
            waiters = [.. _waiters];
            _waiters.Clear();
        }

        if (_sweepTimer is not null)
        {
            await _sweepTimer.DisposeAsync().ConfigureAwait(false);
        }

        foreach (TaskCompletionSource<TConnection?> waiter in waiters)
        {
            waiter.TrySetException(new ObjectDisposedException(GetType().Name, "The connection pool was disposed."));
        }

        foreach (TConnection connection in idle)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static long ToTimestampTicks(TimeSpan span, TimeProvider timeProvider) =>
        span == Timeout.InfiniteTimeSpan ? long.MaxValue : (long)(span.TotalSeconds * timeProvider.TimestampFrequency);

    private bool IsPastLifetime(TConnection connection, long now) => now - connection.CreatedTimestamp >= _lifetimeTicks;

    private bool IsFit(TConnection connection, long now) =>
        connection.IsReusable
        && now - connection.LastUsedTimestamp < _idleTimeoutTicks
        && !IsPastLifetime(connection, now)
        && connection.IsQuiet();

    /// <summary>Connects in a slot already counted in <see cref="_open"/>; gives the slot back if the connect fails.</summary>
    private async ValueTask<TConnection> ConnectInSlotAsync(CancellationToken cancellationToken)
    {
        TConnection connection;
        try
        {
            connection = await _connect(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            ReleaseSlot();
            throw;
        }

        Interlocked.Increment(ref _created);
        return connection;
    }

    /// <summary>Hands an idle connection to the oldest waiter, or pools it; false when the pool is disposed.</summary>
    private bool Offer(TConnection connection)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                _open--;
                return false;
            }

            while (_waiters.TryDequeue(out TaskCompletionSource<TConnection?>? waiter))
            {
                if (waiter.TrySetResult(connection))
                {
                    return true;
                }
            }

            _idle.Add(connection);
            return true;
        }
    }

    private ValueTask DiscardAsync(TConnection connection)
    {
        ReleaseSlot();
        return connection.DisposeAsync();
    }

    /// <summary>A connection closed or a connect failed: its slot goes to the oldest waiter (to connect in), or is freed.</summary>
    private void ReleaseSlot()
    {
        lock (_lock)
        {
            if (!_disposed)
            {
                while (_waiters.TryDequeue(out TaskCompletionSource<TConnection?>? waiter))
                {
                    if (waiter.TrySetResult(null))
                    {
                        return;
                    }
                }
            }

            _open--;
        }
    }
}
