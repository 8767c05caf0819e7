// The tests hold ValueTasks on purpose, to observe a suspended method before completing it.
#pragma warning disable CA2012
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Tests.Tasks;

/// <summary>The pooled async method builder keeps the runtime builder's semantics and stops allocating once warm.</summary>
public sealed class PooledValueTaskMethodBuilderTests
{
    private static readonly AsyncLocal<string?> s_flow = new();

    [Fact]
    public async Task SynchronousCompletion_ReturnsTheResultWithoutABox()
    {
        ValueTask<int> task = AddAsync(null, 2);
        Assert.True(task.IsCompletedSuccessfully);
        Assert.Equal(3, await task);
    }

    [Fact]
    public async Task SynchronousFailure_IsAFaultedTask()
    {
        ValueTask<int> task = ThrowAsync(null);
        Assert.True(task.IsFaulted);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await task);
    }

    [Fact]
    public async Task Suspended_CompletesWithTheResultOnce()
    {
        var source = new ManualSource();
        ValueTask<int> task = AddAsync(source, 40);
        Assert.False(task.IsCompleted);
        source.Complete(1);
        Assert.Equal(41, await task);
    }

    [Fact]
    public async Task Suspended_FailureAndCancellation_ReachTheAwaiter()
    {
        var failing = new ManualSource();
        ValueTask<int> failed = AddAsync(failing, 1);
        failing.Fail(new IOException("reset"));
        await Assert.ThrowsAsync<IOException>(async () => await failed);

        var canceling = new ManualSource();
        ValueTask<int> canceled = AddAsync(canceling, 1);
        canceling.Fail(new OperationCanceledException());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await canceled);
    }

    [Fact]
    public async Task VoidForm_SuspendsAndCompletes()
    {
        var source = new ManualSource();
        var seen = new StrongBox<int>();
        ValueTask task = StoreAsync(source, seen);
        Assert.False(task.IsCompleted);
        source.Complete(7);
        await task;
        Assert.Equal(7, seen.Value);
        Assert.True(StoreAsync(null, seen).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ExecutionContext_FlowsIntoTheContinuation_AndChangesInsideDoNotLeakOut()
    {
        s_flow.Value = "caller";
        var source = new ManualSource();
        ValueTask<string?> task = FlowAsync(source);

        // The synchronous part changed the value inside; the caller's own value is restored when it suspends.
        Assert.Equal("caller", s_flow.Value);

        // Completed from a flow with no value: the continuation still sees the method's own context.
        string? seenInside = null;
        await Task.Run(() =>
        {
            s_flow.Value = null;
            source.Complete(0);
        });
        seenInside = await task;
        Assert.Equal("inside:caller", seenInside);
        Assert.Equal("caller", s_flow.Value);
    }

    [Fact]
    public async Task ManySuspendedAtOnce_ReuseTheirBoxes_NoAllocationOnceWarm()
    {
        const int InFlight = 64;
        var sources = new ManualSource[InFlight];
        for (int i = 0; i < InFlight; i++)
        {
            sources[i] = new ManualSource();
        }

        var tasks = new ValueTask<int>[InFlight];
        await RoundAsync(sources, tasks);
        await RoundAsync(sources, tasks);
        long before = GC.GetAllocatedBytesForCurrentThread();
        int wrong = 0;
        for (int round = 0; round < 10; round++)
        {
            wrong += await RoundAsync(sources, tasks);
        }

        // Everything above completes inline on this thread: the only possible allocation is a box that was not reused.
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, wrong);
        Assert.Equal(0, allocated);

        // Counts wrong results instead of asserting inside: xunit's assertions allocate.
        static async ValueTask<int> RoundAsync(ManualSource[] sources, ValueTask<int>[] tasks)
        {
            int wrong = 0;
            for (int i = 0; i < sources.Length; i++)
            {
                tasks[i] = AddAsync(sources[i], i);
            }

            for (int i = 0; i < sources.Length; i++)
            {
                sources[i].Complete(1);
            }

            for (int i = 0; i < sources.Length; i++)
            {
                wrong += tasks[i].IsCompletedSuccessfully && await tasks[i] == i + 1 ? 0 : 1;
            }

            return wrong;
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private static async ValueTask<int> AddAsync(ManualSource? source, int value)
    {
        int other = source is null ? 1 : await source.WaitAsync().ConfigureAwait(false);
        return value + other;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private static async ValueTask<int> ThrowAsync(ManualSource? source)
    {
        if (source is not null)
        {
            await source.WaitAsync().ConfigureAwait(false);
        }

        throw new InvalidOperationException("sync");
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder))]
    private static async ValueTask StoreAsync(ManualSource? source, StrongBox<int> seen)
    {
        if (source is not null)
        {
            seen.Value = await source.WaitAsync().ConfigureAwait(false);
        }
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private static async ValueTask<string?> FlowAsync(ManualSource source)
    {
        s_flow.Value = "inside:" + s_flow.Value;
        await source.WaitAsync().ConfigureAwait(false);
        return s_flow.Value;
    }

    /// <summary>A reusable awaitable completed by hand; continuations run inline on the completing thread.</summary>
    private sealed class ManualSource : IValueTaskSource<int>
    {
        private ManualResetValueTaskSourceCore<int> _core;

        public ValueTask<int> WaitAsync() => new(this, _core.Version);

        public void Complete(int value) => _core.SetResult(value);

        public void Fail(Exception exception) => _core.SetException(exception);

        public int GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
