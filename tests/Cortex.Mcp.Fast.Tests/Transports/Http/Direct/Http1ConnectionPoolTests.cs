using Cortex.Mcp.Fast.Transports.Http.Direct;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Transports.Http.Direct;

/// <summary>The pool's bookkeeping with fake connections on a <see cref="FakeTimeProvider"/>: no sockets, no waiting on wall time.</summary>
public sealed class Http1ConnectionPoolTests : IAsyncDisposable
{
    private static readonly TimeSpan Infinite = Timeout.InfiniteTimeSpan;
    private readonly FakeTimeProvider _time = new();
    private readonly List<FakeConnection> _made = [];
    private readonly CancellationTokenSource _deadline = new(TimeSpan.FromSeconds(10));
    private Exception? _connectFailure;

    public async ValueTask DisposeAsync()
    {
        _deadline.Dispose();
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Lease_ReturnedConnection_LentAgain()
    {
        await using var pool = CreatePool(max: 4);
        FakeConnection first = await pool.LeaseAsync(Ct);
        await pool.ReturnAsync(first);
        FakeConnection second = await pool.LeaseAsync(Ct);
        Assert.Same(first, second);
        Assert.Single(_made);
        Assert.Equal(1, pool.OpenConnections);
    }

    [Fact]
    public async Task Lease_AtMax_WaitsFirstComeFirstServed()
    {
        await using var pool = CreatePool(max: 1);
        FakeConnection only = await pool.LeaseAsync(Ct);
        ValueTask<FakeConnection> firstWaiter = pool.LeaseAsync(Ct);
        ValueTask<FakeConnection> secondWaiter = pool.LeaseAsync(Ct);
        Assert.False(firstWaiter.IsCompleted);
        Assert.False(secondWaiter.IsCompleted);

        await pool.ReturnAsync(only);
        Assert.Same(only, await firstWaiter.AsTask().WaitAsync(Ct));
        Assert.False(secondWaiter.IsCompleted);

        await pool.ReturnAsync(only);
        Assert.Same(only, await secondWaiter.AsTask().WaitAsync(Ct));
        Assert.Single(_made);
    }

    [Fact]
    public async Task Lease_WaiterCanceled_ThrowsAndSkippedOnReturn()
    {
        await using var pool = CreatePool(max: 1);
        FakeConnection only = await pool.LeaseAsync(Ct);
        using var waiterCts = new CancellationTokenSource();
        ValueTask<FakeConnection> canceled = pool.LeaseAsync(waiterCts.Token);
        ValueTask<FakeConnection> next = pool.LeaseAsync(Ct);
        await waiterCts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await canceled.AsTask().WaitAsync(Ct));

        await pool.ReturnAsync(only);
        Assert.Same(only, await next.AsTask().WaitAsync(Ct));
        Assert.Equal(1, pool.OpenConnections);
    }

    [Fact]
    public async Task Return_NotReusable_ClosedAndWaiterConnectsNew()
    {
        await using var pool = CreatePool(max: 1);
        FakeConnection broken = await pool.LeaseAsync(Ct);
        ValueTask<FakeConnection> waiter = pool.LeaseAsync(Ct);
        broken.Reusable = false;
        await pool.ReturnAsync(broken);
        FakeConnection fresh = await waiter.AsTask().WaitAsync(Ct);
        Assert.NotSame(broken, fresh);
        Assert.True(broken.Disposed);
        Assert.Equal(1, pool.OpenConnections);
        Assert.Equal(2, pool.ConnectionsCreated);
    }

    [Fact]
    public async Task Lease_IdleConnectionClosedByServer_DiscardedAndReplaced()
    {
        await using var pool = CreatePool(max: 2);
        FakeConnection first = await pool.LeaseAsync(Ct);
        await pool.ReturnAsync(first);
        first.Quiet = false; // the server closed it while idle

        FakeConnection second = await pool.LeaseAsync(Ct);
        Assert.NotSame(first, second);
        Assert.True(first.Disposed);
        Assert.Equal(1, pool.OpenConnections);
    }

    [Fact]
    public async Task Lease_IdleLongerThanIdleTimeout_ClosedInsteadOfLent()
    {
        await using var pool = CreatePool(max: 2, idleTimeout: TimeSpan.FromSeconds(30));
        FakeConnection first = await pool.LeaseAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(16));
        await pool.ReturnAsync(first); // idle from t=16 s; the sweep runs every 15 s
        _time.Advance(TimeSpan.FromSeconds(29)); // t=45 s: the sweep finds it idle 29 s, still fit
        Assert.Equal(1, pool.IdleConnections);
        _time.Advance(TimeSpan.FromSeconds(2)); // t=47 s: idle 31 s, no sweep due: only the lease can tell

        FakeConnection second = await pool.LeaseAsync(Ct);
        Assert.NotSame(first, second);
        Assert.True(first.Disposed);
        Assert.Equal(1, pool.OpenConnections);
    }

    [Fact]
    public async Task Sweep_OnTheTimeProvider_ClosesExpiredIdleConnections()
    {
        await using var pool = CreatePool(max: 2, idleTimeout: TimeSpan.FromSeconds(10));
        FakeConnection first = await pool.LeaseAsync(Ct);
        await pool.ReturnAsync(first);
        Assert.Equal(1, pool.IdleConnections);

        _time.Advance(TimeSpan.FromSeconds(5)); // the first sweep: still fresh
        Assert.Equal(1, pool.IdleConnections);
        _time.Advance(TimeSpan.FromSeconds(6)); // the second sweep: idle 11 s
        Assert.Equal(0, pool.IdleConnections);
        Assert.Equal(0, pool.OpenConnections);
        Assert.True(first.Disposed);
    }

    [Fact]
    public async Task Return_OlderThanLifetime_ClosedNotPooled()
    {
        await using var pool = CreatePool(max: 2, lifetime: TimeSpan.FromMinutes(1));
        FakeConnection first = await pool.LeaseAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(61));
        await pool.ReturnAsync(first);
        Assert.True(first.Disposed);
        Assert.Equal(0, pool.OpenConnections);
        Assert.NotSame(first, await pool.LeaseAsync(Ct));
    }

    [Fact]
    public async Task WarmUp_OpensUpToTheMaximum_AndLendsThem()
    {
        await using var pool = CreatePool(max: 2);
        Assert.Equal(2, await pool.WarmUpAsync(3, Ct));
        Assert.Equal(2, pool.IdleConnections);
        Assert.Equal(0, await pool.WarmUpAsync(2, Ct));
        await pool.LeaseAsync(Ct);
        await pool.LeaseAsync(Ct);
        Assert.Equal(2, _made.Count);
    }

    [Fact]
    public async Task Lease_ConnectFails_SlotFreed()
    {
        await using var pool = CreatePool(max: 1);
        _connectFailure = new Http1ConnectionException("refused", requestNotSent: true);
        var ex = await Assert.ThrowsAsync<Http1ConnectionException>(async () => await pool.LeaseAsync(Ct));
        Assert.True(ex.RequestNotSent);
        Assert.Equal(0, pool.OpenConnections);
        _connectFailure = null;
        Assert.NotNull(await pool.LeaseAsync(Ct));
    }

    [Fact]
    public async Task Dispose_FailsWaiters_ClosesIdleAndLaterReturns()
    {
        var pool = CreatePool(max: 2);
        FakeConnection idle = await pool.LeaseAsync(Ct);
        FakeConnection lent = await pool.LeaseAsync(Ct);
        await pool.ReturnAsync(idle);
        await pool.LeaseAsync(Ct); // idle again lent: both busy now
        ValueTask<FakeConnection> waiter = pool.LeaseAsync(Ct);

        await pool.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await waiter.AsTask().WaitAsync(Ct));
        await pool.ReturnAsync(lent);
        await pool.ReturnAsync(idle);
        Assert.True(lent.Disposed);
        Assert.True(idle.Disposed);
        Assert.Equal(0, pool.OpenConnections);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await pool.LeaseAsync(Ct));
    }

    private CancellationToken Ct => _deadline.Token;

    private Http1ConnectionPool<FakeConnection> CreatePool(int max, TimeSpan? idleTimeout = null, TimeSpan? lifetime = null) =>
        new(_ =>
        {
            if (_connectFailure is not null)
            {
                return ValueTask.FromException<FakeConnection>(_connectFailure);
            }

            var connection = new FakeConnection(_time.GetTimestamp());
            _made.Add(connection);
            return ValueTask.FromResult(connection);
        }, max, idleTimeout ?? Infinite, lifetime ?? Infinite, _time);

    public sealed class FakeConnection(long created) : IHttp1PooledConnection
    {
        public long CreatedTimestamp { get; } = created;

        public long LastUsedTimestamp { get; set; } = created;

        public bool Reusable { get; set; } = true;

        public bool Quiet { get; set; } = true;

        public bool Disposed { get; private set; }

        public bool IsReusable => Reusable && !Disposed;

        public bool IsQuiet() => Quiet;

        public ValueTask DisposeAsync()
        {
            Disposed = true;
            return ValueTask.CompletedTask;
        }
    }
}
