using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Validators;
using Cortex.Mcp.Fast.Resilience;
using Polly;
using Polly.CircuitBreaker;

namespace Cortex.Mcp.Fast.Bench.Micro;

/// <summary>
/// Circuit breaker cost per call, closed and open, against a Polly 8 circuit-breaker pipeline (the baseline of each
/// category). Every invoke runs <see cref="Operations"/> calls so ns/op is the real per-call cost, and checks its
/// own result (every closed call admitted, every open call rejected).
/// </summary>
/// <remarks>
/// Polly closed: <c>pipeline.Execute(static () =&gt; { })</c>, its idiomatic synchronous call. Polly open: the circuit
/// is broken for real (two failures at ratio 0.5, minimum throughput 2, break 1 day) and called through
/// <c>ExecuteOutcomeAsync</c> with a pooled context, so the rejection comes back as an outcome and is not thrown;
/// Polly still creates a <see cref="BrokenCircuitException"/> per rejection, which is its real cost. Ours:
/// <see cref="CircuitBreaker.TryAcquire"/> + <see cref="CircuitBreaker.RecordSuccess"/> (closed) and a rejected
/// <see cref="CircuitBreaker.TryAcquire"/> (open). "Ratio" is our failure-ratio mode, the like-for-like of Polly 8's
/// breaker, which also records every outcome in a rolling window.
/// </remarks>
[Config(typeof(Config))]
public class CircuitBreakerBenchmarks
{
    /// <summary>Calls per invoke.</summary>
    private const int Operations = 1000;

    private CircuitBreaker _consecutive = null!;
    private CircuitBreaker _ratio = null!;
    private CircuitBreaker _open = null!;
    private ResiliencePipeline _pollyClosed = null!;
    private ResiliencePipeline _pollyOpen = null!;

    [GlobalSetup]
    public void Setup()
    {
        _consecutive = new CircuitBreaker(new CircuitBreakerOptions(), TimeProvider.System);
        _ratio = new CircuitBreaker(CircuitBreakerOptions.FailureRatioDefault, TimeProvider.System);
        _open = new CircuitBreaker(
            new CircuitBreakerOptions { FailureThreshold = 1, BreakDuration = TimeSpan.FromDays(1) },
            TimeProvider.System);
        _open.TryAcquire(out var permit, out _);
        _open.RecordFailure(permit);

        _pollyClosed = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions())
            .Build();
        _pollyOpen = new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = 0.5,
                MinimumThroughput = 2,
                BreakDuration = TimeSpan.FromDays(1),
            })
            .Build();
        for (int i = 0; i < 2; i++)
        {
            _ = ExecutePolly(_pollyOpen, fail: true);
        }

        if (_open.State != Cortex.Mcp.Fast.CircuitState.Open || ExecutePolly(_pollyOpen, fail: false).Exception is not BrokenCircuitException)
        {
            throw new InvalidOperationException("The open-path breakers did not open.");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Closed")]
    public int PollyClosed()
    {
        int done = 0;
        for (int i = 0; i < Operations; i++)
        {
            _pollyClosed.Execute(static () => { });
            done++;
        }

        return done;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Closed")]
    public int CortexClosedConsecutive() => RunClosed(_consecutive);

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Closed")]
    public int CortexClosedRatio() => RunClosed(_ratio);

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Open")]
    public int PollyOpen()
    {
        int rejected = 0;
        for (int i = 0; i < Operations; i++)
        {
            if (ExecutePolly(_pollyOpen, fail: false).Exception is BrokenCircuitException)
            {
                rejected++;
            }
        }

        return Check(rejected);
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Open")]
    public int CortexOpen()
    {
        int rejected = 0;
        var breaker = _open;
        for (int i = 0; i < Operations; i++)
        {
            if (!breaker.TryAcquire(out _, out var retryAfter) && retryAfter > TimeSpan.Zero)
            {
                rejected++;
            }
        }

        return Check(rejected);
    }

    /// <summary>Reference, not a contender: one <see cref="TimeProvider.GetTimestamp"/> of the system clock, which
    /// every open-path rejection and every ratio-mode outcome pays once (the closed consecutive path never does).</summary>
    [Benchmark(OperationsPerInvoke = Operations)]
    [BenchmarkCategory("Clock")]
    public long SystemGetTimestamp()
    {
        long sum = 0;
        var clock = TimeProvider.System;
        for (int i = 0; i < Operations; i++)
        {
            sum += clock.GetTimestamp() & 1;
        }

        return sum;
    }

    private static int RunClosed(CircuitBreaker breaker)
    {
        int admitted = 0;
        for (int i = 0; i < Operations; i++)
        {
            if (breaker.TryAcquire(out var permit, out _))
            {
                breaker.RecordSuccess(permit);
                admitted++;
            }
        }

        return Check(admitted);
    }

    private static int Check(int count) =>
        count == Operations ? count : throw new InvalidOperationException($"Expected {Operations}, got {count}.");

    /// <summary>One Polly call through <c>ExecuteOutcomeAsync</c> (no throw); completes synchronously here.</summary>
    private static Outcome<int> ExecutePolly(ResiliencePipeline pipeline, bool fail)
    {
        var context = ResilienceContextPool.Shared.Get();
        try
        {
            var pending = pipeline.ExecuteOutcomeAsync(
                static (_, failing) => failing
                    ? Outcome.FromExceptionAsValueTask<int>(new InvalidOperationException("fail"))
                    : Outcome.FromResultAsValueTask(1),
                context,
                fail);
            return pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Sized for a shared 2-core machine: one launch, 3 warm-ups, 10 measured iterations.</summary>
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10));
            AddDiagnoser(MemoryDiagnoser.Default);
            AddValidator(JitOptimizationsValidator.FailOnError);
            AddColumn(CategoriesColumn.Default);
            AddLogicalGroupRules(BenchmarkLogicalGroupRule.ByCategory);
        }
    }
}
