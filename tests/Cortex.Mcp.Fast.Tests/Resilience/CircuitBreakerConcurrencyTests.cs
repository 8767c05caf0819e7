using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Tests.Resilience;

/// <summary>Real threads racing on the lock-free breaker (bounded rounds, no sleeps).</summary>
public sealed class CircuitBreakerConcurrencyTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(1);
    private static readonly int Threads = Math.Max(8, Environment.ProcessorCount * 2);

    [Fact]
    public void TryAcquire_ManyThreadsAtBreakEnd_AdmitExactlyOneProbePerRound()
    {
        const int Rounds = 200;
        var time = new ManualTimeProvider();
        var breaker = new CircuitBreaker(new CircuitBreakerOptions { FailureThreshold = 1, BreakDuration = Break }, time);
        Assert.True(breaker.TryAcquire(out var first, out _));
        breaker.RecordFailure(first);
        int[] probes = new int[Rounds];
        int[] wrongAnswers = new int[Rounds];
        using var barrier = new Barrier(Threads + 1);

        var workers = Enumerable.Range(0, Threads).Select(_ => new Thread(() =>
        {
            for (int round = 0; round < Rounds; round++)
            {
                barrier.SignalAndWait(); // Time has just reached the end of the break: race.
                bool admitted = breaker.TryAcquire(out var permit, out var retryAfter);
                if (admitted && permit.IsProbe)
                {
                    Interlocked.Increment(ref probes[round]);
                }
                else if (admitted || retryAfter <= TimeSpan.Zero || retryAfter > Break)
                {
                    Interlocked.Increment(ref wrongAnswers[round]);
                }

                barrier.SignalAndWait(); // Everyone has tried; only now may the probe report.
                if (admitted && permit.IsProbe)
                {
                    if (round % 2 == 0)
                    {
                        breaker.RecordFailure(permit);
                    }
                    else
                    {
                        breaker.RecordSuccess(permit);
                    }
                }

                barrier.SignalAndWait();
            }
        })).ToList();
        workers.ForEach(w => w.Start());

        for (int round = 0; round < Rounds; round++)
        {
            if (breaker.State == CircuitState.Closed)
            {
                Assert.True(breaker.TryAcquire(out var permit, out _));
                breaker.RecordFailure(permit);
            }

            time.Advance(Break);
            barrier.SignalAndWait();
            barrier.SignalAndWait();
            barrier.SignalAndWait();
        }

        workers.ForEach(w => w.Join());
        Assert.All(probes, count => Assert.Equal(1, count));
        Assert.All(wrongAnswers, count => Assert.Equal(0, count));
    }

    [Fact]
    public void Operations_RandomMixFromManyThreads_OnlyLegalTransitionsAndConsistentCounts()
    {
        const int OperationsPerThread = 20_000;
        var time = new ManualTimeProvider();
        long callbacks = 0;
        int illegal = 0;
        var breaker = new CircuitBreaker(
            new CircuitBreakerOptions { FailureThreshold = 3, BreakDuration = Break },
            time,
            onTransition: (from, to) =>
            {
                Interlocked.Increment(ref callbacks);
                bool legal = (from, to) is (CircuitState.Closed, CircuitState.Open)
                    or (CircuitState.Open, CircuitState.HalfOpen)
                    or (CircuitState.HalfOpen, CircuitState.Open)
                    or (CircuitState.HalfOpen, CircuitState.Closed);
                if (!legal)
                {
                    Interlocked.Increment(ref illegal);
                }
            });
        using var start = new ManualResetEventSlim();

        var workers = Enumerable.Range(0, Threads).Select(seed => new Thread(() =>
        {
            var random = new Random(seed);
            start.Wait();
            for (int i = 0; i < OperationsPerThread; i++)
            {
                if (seed == 0 && i % 50 == 0)
                {
                    time.Advance(Break / 4);
                }

                if (!breaker.TryAcquire(out var permit, out _))
                {
                    continue;
                }

                switch (random.Next(4))
                {
                    case 0: breaker.RecordSuccess(permit); break;
                    case 1: breaker.RecordIgnored(permit); break;
                    default: breaker.RecordFailure(permit); break;
                }

                if (breaker.ConsecutiveFailures < 0)
                {
                    Interlocked.Increment(ref illegal);
                }
            }
        })).ToList();
        workers.ForEach(w => w.Start());
        start.Set();
        workers.ForEach(w => w.Join());

        Assert.Equal(0, illegal);
        Assert.Equal(breaker.Transitions, Interlocked.Read(ref callbacks));
        Assert.True(breaker.Transitions > 0);
        Assert.InRange(breaker.RetryAfter, TimeSpan.Zero, Break);
    }
}
