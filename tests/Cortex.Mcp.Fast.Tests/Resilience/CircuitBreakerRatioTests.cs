using Cortex.Mcp.Fast.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Resilience;

/// <summary>Failure-ratio mode: Polly v8's boundaries (>=, minimum throughput) and the rolling window.</summary>
public sealed class CircuitBreakerRatioTests
{
    private static readonly TimeSpan Sampling = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void RecordFailure_OneFailureInTenAtRatioOneTenth_Opens()
    {
        var breaker = Create(ratio: 0.1, minimumThroughput: 10);

        Record(breaker, successes: 9, failures: 1);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(Break, breaker.RetryAfter);
    }

    [Fact]
    public void RecordFailure_OneFailureInNine_BelowMinimumThroughputStaysClosed()
    {
        var breaker = Create(ratio: 0.1, minimumThroughput: 10);

        Record(breaker, successes: 8, failures: 1);

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void RecordFailure_AllFailingBelowMinimumThroughput_StaysClosed()
    {
        var breaker = Create(ratio: 0.1, minimumThroughput: 10);

        Record(breaker, successes: 0, failures: 9);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(9, breaker.ConsecutiveFailures);
    }

    [Fact]
    public void RecordFailure_RatioBelowThreshold_StaysClosed()
    {
        var breaker = Create(ratio: 0.5, minimumThroughput: 4);

        Record(breaker, successes: 3, failures: 2); // 2 of 5 = 0.4

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void RecordFailure_SuccessesOlderThanWindow_NoLongerCount()
    {
        var breaker = Create(ratio: 0.1, minimumThroughput: 10);
        Record(breaker, successes: 9, failures: 0);

        _time.Advance(Sampling);
        Record(breaker, successes: 0, failures: 1);

        Assert.Equal(CircuitState.Closed, breaker.State); // 1 call in the window: below throughput.
    }

    [Fact]
    public void RecordFailure_SuccessesInsideWindow_StillCount()
    {
        var breaker = Create(ratio: 0.1, minimumThroughput: 10);
        Record(breaker, successes: 9, failures: 0);

        _time.Advance(Sampling * 0.8);
        Record(breaker, successes: 0, failures: 1);

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void RecordSuccess_ProbeClosesCircuit_WindowStartsEmpty()
    {
        var breaker = Create(ratio: 0.5, minimumThroughput: 2);
        Record(breaker, successes: 0, failures: 2);
        Assert.Equal(CircuitState.Open, breaker.State);
        _time.Advance(Break);
        Assert.True(breaker.TryAcquire(out var probe, out _));

        breaker.RecordSuccess(probe);
        Record(breaker, successes: 0, failures: 1);

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void RecordFailure_RatioMode_IgnoresConsecutiveThreshold()
    {
        var breaker = new CircuitBreaker(
            new CircuitBreakerOptions { FailureRatio = 0.9, MinimumThroughput = 100, FailureThreshold = 1 },
            _time);

        Record(breaker, successes: 0, failures: 50);

        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    private CircuitBreaker Create(double ratio, int minimumThroughput) => new(
        new CircuitBreakerOptions
        {
            FailureRatio = ratio,
            MinimumThroughput = minimumThroughput,
            SamplingDuration = Sampling,
            BreakDuration = Break,
        },
        _time);

    private static void Record(CircuitBreaker breaker, int successes, int failures)
    {
        for (int i = 0; i < successes; i++)
        {
            Assert.True(breaker.TryAcquire(out var permit, out _));
            breaker.RecordSuccess(permit);
        }

        for (int i = 0; i < failures; i++)
        {
            Assert.True(breaker.TryAcquire(out var permit, out _));
            breaker.RecordFailure(permit);
        }
    }
}
