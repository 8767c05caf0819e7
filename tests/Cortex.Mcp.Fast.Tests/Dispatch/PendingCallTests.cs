using System.Collections.Concurrent;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Dispatch;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>
/// The call's state machine on its own (no dispatcher): who may complete it in which status, that stale
/// references drop out, and that a call completes exactly once and leaves the queue exactly once per stay.
/// </summary>
public sealed class PendingCallTests
{
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task HappyPath_AdmitStartComplete_ResultThenRecycledWithANewVersion()
    {
        var (call, owner, time) = Create();
        using var disposal = new CancellationTokenSource();
        Initialize(call, time, CancellationToken.None, disposal.Token);
        var version = call.Version;
        Assert.True(call.IsIn(version, PendingCall.Admitting));

        Assert.True(call.TryAdmit(version));
        Assert.True(call.TryStart(version));
        Assert.True(call.TrySetResult(ScriptedTransport.Ok()));

        using var result = await new ValueTask<ToolResult>(call, version);
        Assert.True(result.Json.GetProperty("ok").GetBoolean());
        Assert.Equal(1, owner.Completions);
        Assert.Equal(1, owner.LeftQueue);
        Assert.Equal(1, owner.Returned);
        Assert.NotEqual(version, call.Version);
        Assert.False(call.TryAdmit(version) || call.TryStart(version), "a recycled call ignores its old version");
    }

    [Fact]
    public async Task StaleReferences_OfAnEarlierIncarnation_AllDropOut()
    {
        var (call, owner, time) = Create();
        Initialize(call, time);
        var stale = call.Version;
        call.TryAdmit(stale);
        call.TryStart(stale);
        call.TrySetResult(ScriptedTransport.Ok());
        (await new ValueTask<ToolResult>(call, stale)).Dispose();

        Initialize(call, time);
        var current = call.Version;
        Assert.False(call.TryAdmit(stale));
        Assert.True(call.TryAdmit(current));
        Assert.False(call.TryStart(stale));
        Assert.False(call.TrySetException(new InvalidOperationException(), PendingCall.Queued, stale));
        Assert.False(call.TryRequeue(stale));
        Assert.True(call.IsIn(current, PendingCall.Queued));
        Assert.Equal(1, owner.Completions);
    }

    [Fact]
    public async Task CallerCancels_WhileQueued_CallbackCompletesItAndTheWorkerDropsIt()
    {
        var (call, owner, time) = Create();
        using var caller = new CancellationTokenSource();
        Initialize(call, time, caller.Token);
        var version = call.Version;
        call.TryAdmit(version);

        await caller.CancelAsync();

        Assert.False(call.TryStart(version), "the worker finds a dead entry");
        var ex = await Record.ExceptionAsync(async () => await new ValueTask<ToolResult>(call, version));
        Assert.Equal(caller.Token, Assert.IsAssignableFrom<OperationCanceledException>(ex).CancellationToken);
        Assert.Equal(1, owner.Completions);
        Assert.Equal(1, owner.LeftQueue);
    }

    [Fact]
    public async Task CallerCancels_WhileRunning_OnlyTheWorkerCompletes()
    {
        var (call, owner, time) = Create();
        using var caller = new CancellationTokenSource();
        Initialize(call, time, caller.Token);
        var version = call.Version;
        call.TryAdmit(version);
        call.TryStart(version);

        await caller.CancelAsync();

        Assert.True(call.Token.IsCancellationRequested, "the in-flight attempt is aborted");
        Assert.Equal(0, owner.Completions);
        Assert.True(call.IsIn(version, PendingCall.Running));
        Assert.True(call.TrySetException(call.CreateCancellationException("svc")));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await new ValueTask<ToolResult>(call, version));
        Assert.Equal(1, owner.Completions);
    }

    [Fact]
    public async Task Deadline_WhileInBackoff_CompletesWithTimeoutAndTheTimerDropsOut()
    {
        var (call, owner, time) = Create();
        Initialize(call, time);
        var version = call.Version;
        call.TryAdmit(version);
        call.TryStart(version);
        call.Attempts = 1;
        Assert.True(call.TryEnterBackoff());

        time.Advance(s_deadline);

        Assert.False(call.TryRequeue(version), "the retry timer fires too late");
        var ex = await Record.ExceptionAsync(async () => await new ValueTask<ToolResult>(call, version));
        var timeout = Assert.IsType<CallTimeoutException>(ex);
        Assert.Equal(1, timeout.Attempts);
        Assert.Equal(1, owner.Completions);
        Assert.Contains((PendingCall.Backoff, PendingCall.Completed), owner.Transitions);
    }

    [Fact]
    public async Task Disposal_WhileWaitingForRoom_CompletesWithClientDisposed()
    {
        var (call, owner, time) = Create();
        using var disposal = new CancellationTokenSource();
        Initialize(call, time, CancellationToken.None, disposal.Token);
        var version = call.Version;

        await disposal.CancelAsync();

        Assert.False(call.TryAdmit(version));
        Assert.IsType<ClientDisposedException>(await Record.ExceptionAsync(async () => await new ValueTask<ToolResult>(call, version)));
        Assert.Equal([(PendingCall.Admitting, PendingCall.Completed)], owner.Transitions.ToArray());
        Assert.Equal(0, owner.LeftQueue);
    }

    [Fact]
    public async Task Suspended_CanceledDuringTheWait_OwnerTakesTheResumptionOnce()
    {
        var (call, owner, time) = Create();
        using var caller = new CancellationTokenSource();
        Initialize(call, time, caller.Token);
        var version = call.Version;
        call.TryAdmit(version);
        call.TryStart(version);
        var resumption = new TestResumption(TimeSpan.FromSeconds(1));
        Assert.True(call.TrySuspend(resumption, new ServiceEndpoint(new ScriptedTransport(), new Cortex.Mcp.Fast.Resilience.CircuitBreaker(new(), time)), default));

        await caller.CancelAsync();

        Assert.False(call.TryRequeue(version, PendingCall.Suspended));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await new ValueTask<ToolResult>(call, version));
        Assert.Equal(1, resumption.DisposeCount);
        Assert.Equal(1, owner.Completions);
    }

    [Fact]
    public async Task Suspended_Resumed_TheWorkerTakesTheResumptionAndTheEndpoint()
    {
        var (call, _, time) = Create();
        Initialize(call, time);
        var version = call.Version;
        call.TryAdmit(version);
        call.TryStart(version);
        var resumption = new TestResumption(TimeSpan.FromSeconds(1));
        var endpoint = new ServiceEndpoint(new ScriptedTransport(), new Cortex.Mcp.Fast.Resilience.CircuitBreaker(new(), time));
        call.TrySuspend(resumption, endpoint, default);

        Assert.True(call.TryRequeue(version, PendingCall.Suspended));
        Assert.True(call.TryStart(version));

        Assert.Same(resumption, call.TakeResumption(out var held, out _));
        Assert.Same(endpoint, held);
        Assert.Null(call.TakeResumption(out _, out _));
        call.TrySetResult(ScriptedTransport.Ok());
        (await new ValueTask<ToolResult>(call, version)).Dispose();
        Assert.False(resumption.IsDisposed, "the transport owns a resumption it was handed back");
    }

    [Fact]
    public async Task Race_WorkerRetryTimerCallerAndDisposal_EachCallCompletesExactlyOnceAndLeavesTheQueueOncePerStay()
    {
        // Real threads, bounded iterations; one pooled object reused throughout (version discipline).
        var time = TimeProvider.System;
        var owner = new RecordingOwner();
        var call = new PendingCall { Owner = owner };
        var random = new Random(20261125);
        var staleVersions = new List<short>();
        for (var i = 0; i < 1500; i++)
        {
            using var caller = new CancellationTokenSource();
            using var disposal = new CancellationTokenSource();
            var completionsBefore = owner.Completions;
            var leftBefore = owner.LeftQueue;
            call.Initialize("t", new ToolStatistics("t"), "{}"u8, s_deadline, 3, true, time, caller.Token, disposal.Token);
            var version = call.Version;
            foreach (var stale in staleVersions)
            {
                Assert.False(call.TryStart(stale));
            }

            var entered = call.TryAdmit(version) ? 1 : 0;
            var retries = random.Next(3);
            var cancelCaller = random.Next(3) == 0;
            var dispose = random.Next(4) == 0;
            var spin = random.Next(200);
            using var start = new ManualResetEventSlim();
            var requeued = 0;
            var worker = Task.Run(() =>
            {
                start.Wait();
                if (!call.TryStart(version))
                {
                    return;
                }

                for (var r = 0; r < retries; r++)
                {
                    if (!call.TryEnterBackoff())
                    {
                        return;
                    }

                    // The retry timer, on its own thread in production: here interleaved with the cancellers.
                    Thread.SpinWait(spin);
                    if (!call.TryRequeue(version))
                    {
                        return;
                    }

                    Interlocked.Increment(ref requeued);
                    if (!call.TryStart(version))
                    {
                        return;
                    }
                }

                if (!call.TrySetResult(ScriptedTransport.Ok()))
                {
                    call.TrySetException(call.CreateCancellationException("svc"));
                }
            });
            var cancellers = Task.Run(() =>
            {
                start.Wait();
                Thread.SpinWait(spin);
                if (cancelCaller)
                {
                    caller.Cancel();
                }

                if (dispose)
                {
                    disposal.Cancel();
                }
            });
            start.Set();
            await Task.WhenAll(worker, cancellers).WaitAsync(TimeSpan.FromSeconds(20));

            var outcome = await Record.ExceptionAsync(async () => (await new ValueTask<ToolResult>(call, version).AsTask().WaitAsync(TimeSpan.FromSeconds(20))).Dispose());
            Assert.True(outcome is null or OperationCanceledException or ClientDisposedException or CallTimeoutException, outcome?.ToString());
            Assert.Equal(completionsBefore + 1, owner.Completions);
            Assert.Equal(leftBefore + entered + Volatile.Read(ref requeued), owner.LeftQueue);
            staleVersions.Add(version);
            if (staleVersions.Count > 8)
            {
                staleVersions.RemoveAt(0);
            }
        }
    }

    private static (PendingCall Call, RecordingOwner Owner, FakeTimeProvider Time) Create()
    {
        var owner = new RecordingOwner();
        return (new PendingCall { Owner = owner }, owner, new FakeTimeProvider());
    }

    private static void Initialize(PendingCall call, TimeProvider time, CancellationToken caller = default, CancellationToken disposal = default) =>
        call.Initialize("t", new ToolStatistics("t"), "{}"u8, s_deadline, 3, true, time, caller, disposal);

    /// <summary>Counts what the dispatcher would hear, and releases a suspended call's resumption like it does.</summary>
    private sealed class RecordingOwner : IPendingCallOwner
    {
        private int _completions;
        private int _leftQueue;
        private int _returned;

        public string ServiceName => "svc";

        public ConcurrentQueue<(int From, int To)> Transitions { get; } = new();

        public int Completions => Volatile.Read(ref _completions);

        public int LeftQueue => Volatile.Read(ref _leftQueue);

        public int Returned => Volatile.Read(ref _returned);

        public void OnTransition(PendingCall call, int from, int to)
        {
            Transitions.Enqueue((from, to));
            if (from == PendingCall.Queued)
            {
                Interlocked.Increment(ref _leftQueue);
            }

            if (to == PendingCall.Completed && from is PendingCall.Suspended or PendingCall.Queued)
            {
                call.TakeResumption(out _, out _)?.Dispose();
            }
        }

        public void OnCompleting(PendingCall call, Exception? error) => Interlocked.Increment(ref _completions);

        public void ReturnToPool(PendingCall call) => Interlocked.Increment(ref _returned);
    }
}
