using Cortex.Mcp.Fast.Dispatch;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>The workers' counting signal: no lost wake-up, one wake per release, close wakes everyone.</summary>
public sealed class WorkerSignalTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ReleaseBeforeWait_LeavesAPermit_TheWaitCompletesAtOnce()
    {
        var signal = new WorkerSignal();
        signal.Release();

        var wait = signal.WaitAsync(new WorkerSignal.Waiter()).AsTask();

        Assert.True(wait.IsCompletedSuccessfully);
        Assert.True(await wait);
        Assert.False(signal.WaitAsync(new WorkerSignal.Waiter()).AsTask().IsCompleted, "one release, one permit");
    }

    [Fact]
    public async Task NReleases_WakeNParkedWaiters_AndNoMore()
    {
        var signal = new WorkerSignal();
        var waits = Enumerable.Range(0, 5).Select(_ => signal.WaitAsync(new WorkerSignal.Waiter()).AsTask()).ToList();
        Assert.All(waits, w => Assert.False(w.IsCompleted));

        for (var i = 0; i < 3; i++)
        {
            signal.Release();
        }

        Assert.Equal(3, waits.Count(w => w.IsCompleted));
        signal.Release();
        signal.Release();
        Assert.All(await Task.WhenAll(waits).WaitAsync(s_bound), Assert.True);
    }

    [Fact]
    public async Task NReleasesWithNobodyParked_AreNPermits()
    {
        var signal = new WorkerSignal();
        var waiter = new WorkerSignal.Waiter();
        for (var i = 0; i < 4; i++)
        {
            signal.Release();
        }

        for (var i = 0; i < 4; i++)
        {
            Assert.True(await signal.WaitAsync(waiter));
        }

        var parked = signal.WaitAsync(waiter).AsTask();
        Assert.False(parked.IsCompleted);
        signal.Close();
        Assert.False(await parked);
    }

    [Fact]
    public async Task Close_WakesEveryParkedWaiterWithFalse_AndLaterWaitsEndAtOnce()
    {
        var signal = new WorkerSignal();
        var waits = Enumerable.Range(0, 4).Select(_ => signal.WaitAsync(new WorkerSignal.Waiter()).AsTask()).ToList();

        signal.Close();

        Assert.All(await Task.WhenAll(waits).WaitAsync(s_bound), Assert.False);
        signal.Release(); // ignored once closed
        Assert.False(await signal.WaitAsync(new WorkerSignal.Waiter()));
    }

    [Fact]
    public async Task Close_AfterReleases_RemainingPermitsAreStillHandedOutFirst()
    {
        var signal = new WorkerSignal();
        var waiter = new WorkerSignal.Waiter();
        signal.Release();
        signal.Close();

        Assert.True(await signal.WaitAsync(waiter));
        Assert.False(await signal.WaitAsync(waiter));
    }

    [Fact]
    public async Task Stress_ProducersAndParkedConsumers_EveryReleaseWakesExactlyOneWait()
    {
        // Real threads, bounded: a lost wake-up would leave the total short and the test waiting on its bound.
        const int Producers = 4;
        const int PerProducer = 5_000;
        var signal = new WorkerSignal();
        var woken = 0;
        var consumers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var waiter = new WorkerSignal.Waiter();
            while (await signal.WaitAsync(waiter))
            {
                Interlocked.Increment(ref woken);
            }
        })).ToList();
        var producers = Enumerable.Range(0, Producers).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < PerProducer; i++)
            {
                signal.Release();
            }
        })).ToList();
        await Task.WhenAll(producers).WaitAsync(s_bound);

        var deadline = DateTime.UtcNow + s_bound;
        while (Volatile.Read(ref woken) < Producers * PerProducer && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }

        Assert.Equal(Producers * PerProducer, Volatile.Read(ref woken));
        signal.Close();
        await Task.WhenAll(consumers).WaitAsync(s_bound);
        Assert.Equal(Producers * PerProducer, Volatile.Read(ref woken));
    }
}
