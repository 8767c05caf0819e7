using Cortex.Mcp.Fast.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Resilience;

/// <summary>Deterministic transitions of the consecutive-failure breaker on a fake clock (no sleeps).</summary>
public sealed class CircuitBreakerTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan OneTick = TimeSpan.FromTicks(1);
    private readonly FakeTimeProvider _time = new();
    private readonly List<(CircuitState From, CircuitState To)> _changes = [];

    [Fact]
    public void TryAcquire_NewBreaker_AdmitsNonProbe()
    {
        var breaker = Create();

        Assert.True(breaker.TryAcquire(out var permit, out var retryAfter));
        Assert.False(permit.IsProbe);
        Assert.Equal(TimeSpan.Zero, retryAfter);
        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.Transitions);
    }

    [Fact]
    public void RecordFailure_BelowThreshold_StaysClosedAndCounts()
    {
        var breaker = Create();

        Fail(breaker, 4);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(4, breaker.ConsecutiveFailures);
    }

    [Fact]
    public void RecordFailure_ThresholdReached_OpensForBreakDuration()
    {
        var breaker = Create();

        Fail(breaker, 5);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(5, breaker.ConsecutiveFailures);
        Assert.Equal(Break, breaker.RetryAfter);
        Assert.Equal([(CircuitState.Closed, CircuitState.Open)], _changes);
        Assert.Equal(1, breaker.Transitions);
    }

    [Fact]
    public void RecordSuccess_BetweenFailures_ResetsCount()
    {
        var breaker = Create();
        Fail(breaker, 4);

        breaker.RecordSuccess(Acquire(breaker));
        Fail(breaker, 4);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(4, breaker.ConsecutiveFailures);
    }

    [Fact]
    public void TryAcquire_Open_RejectsWithTimeLeft()
    {
        var breaker = Create();
        Fail(breaker, 5);
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.False(breaker.TryAcquire(out var permit, out var retryAfter));
        Assert.Equal(default, permit);
        Assert.Equal(TimeSpan.FromSeconds(20), retryAfter);
        Assert.Equal(TimeSpan.FromSeconds(20), breaker.RetryAfter);
    }

    [Fact]
    public void Flow_Closed_Open_HalfOpen_Open_HalfOpen_Closed_ReportsEachTransitionOnce()
    {
        var breaker = Create();
        Fail(breaker, 5);

        _time.Advance(Break - OneTick);
        Assert.False(breaker.TryAcquire(out _, out var retryAfter));
        Assert.Equal(OneTick, retryAfter);

        _time.Advance(OneTick);
        var probe = Acquire(breaker);
        Assert.True(probe.IsProbe);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);

        breaker.RecordFailure(probe);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(6, breaker.ConsecutiveFailures);

        _time.Advance(TimeSpan.FromSeconds(12));
        Assert.False(breaker.TryAcquire(out _, out retryAfter));
        Assert.Equal(Break - TimeSpan.FromSeconds(12), retryAfter);

        _time.Advance(Break - TimeSpan.FromSeconds(12));
        probe = Acquire(breaker);
        Assert.True(probe.IsProbe);
        breaker.RecordSuccess(probe);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.ConsecutiveFailures);
        Assert.Equal(TimeSpan.Zero, breaker.RetryAfter);
        Assert.Equal(
            [
                (CircuitState.Closed, CircuitState.Open),
                (CircuitState.Open, CircuitState.HalfOpen),
                (CircuitState.HalfOpen, CircuitState.Open),
                (CircuitState.Open, CircuitState.HalfOpen),
                (CircuitState.HalfOpen, CircuitState.Closed),
            ],
            _changes);
        Assert.Equal(5, breaker.Transitions);
        Assert.False(Acquire(breaker).IsProbe);
    }

    [Fact]
    public void TryAcquire_HalfOpen_SecondCallerRejectedForBreak()
    {
        var breaker = OpenedAndExpired();
        Assert.True(Acquire(breaker).IsProbe);

        Assert.False(breaker.TryAcquire(out _, out var retryAfter));
        Assert.Equal(Break, retryAfter);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
    }

    [Fact]
    public void TryAcquire_ProbeNeverReports_AnotherProbeAfterAnotherBreak()
    {
        var breaker = OpenedAndExpired();
        var hung = Acquire(breaker);

        _time.Advance(Break - OneTick);
        Assert.False(breaker.TryAcquire(out _, out _));

        _time.Advance(OneTick);
        var second = Acquire(breaker);

        Assert.True(second.IsProbe);
        Assert.NotEqual(hung, second);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(2, breaker.Transitions); // HalfOpen → HalfOpen is not a state change.
    }

    [Fact]
    public void RecordSuccess_SupersededProbe_DoesNotClose()
    {
        var breaker = OpenedAndExpired();
        var hung = Acquire(breaker);
        _time.Advance(Break);
        var current = Acquire(breaker);

        breaker.RecordSuccess(hung);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);

        breaker.RecordSuccess(current);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void RecordFailure_SupersededProbe_CountedButDoesNotReopen()
    {
        var breaker = OpenedAndExpired();
        var hung = Acquire(breaker);
        _time.Advance(Break);
        var current = Acquire(breaker);

        breaker.RecordFailure(hung);

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(6, breaker.ConsecutiveFailures);
        breaker.RecordSuccess(current);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void RecordFailure_CallAdmittedBeforeBreak_CountedButDoesNotExtendBreak()
    {
        var breaker = Create();
        var early = Acquire(breaker);
        Fail(breaker, 5);
        _time.Advance(TimeSpan.FromSeconds(10));

        breaker.RecordFailure(early);

        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(6, breaker.ConsecutiveFailures);
        Assert.Equal(TimeSpan.FromSeconds(20), breaker.RetryAfter);
        Assert.Equal(1, breaker.Transitions);
    }

    [Fact]
    public void RecordOutcome_CallAdmittedBeforeBreakFinishesWhileHalfOpen_ProbeStillDecides()
    {
        var breaker = Create();
        var earlyFailure = Acquire(breaker);
        var earlySuccess = Acquire(breaker);
        Fail(breaker, 5);
        _time.Advance(Break);
        var probe = Acquire(breaker);

        breaker.RecordSuccess(earlySuccess);
        breaker.RecordFailure(earlyFailure);

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.False(breaker.TryAcquire(out _, out _));
        breaker.RecordSuccess(probe);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void RecordFailure_PermitFromEarlierClosedPeriod_NotCounted()
    {
        var breaker = Create();
        var stale = Acquire(breaker);
        Fail(breaker, 5);
        _time.Advance(Break);
        breaker.RecordSuccess(Acquire(breaker));

        breaker.RecordFailure(stale);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.ConsecutiveFailures);
    }

    [Fact]
    public void RecordIgnored_Probe_FreesSlotAtOnceWithoutStateChange()
    {
        var breaker = OpenedAndExpired();
        var probe = Acquire(breaker);
        long transitions = breaker.Transitions;

        breaker.RecordIgnored(probe);

        Assert.Equal(CircuitState.HalfOpen, breaker.State);
        Assert.Equal(TimeSpan.Zero, breaker.RetryAfter);
        Assert.Equal(transitions, breaker.Transitions);
        var next = Acquire(breaker);
        Assert.True(next.IsProbe);
        Assert.NotEqual(probe, next);
        Assert.Equal(transitions, breaker.Transitions);
    }

    [Fact]
    public void RecordSuccess_IgnoredProbeReplacedAtSameInstant_StaysStale()
    {
        var breaker = OpenedAndExpired();
        var first = Acquire(breaker);
        breaker.RecordIgnored(first);
        var second = Acquire(breaker);
        breaker.RecordIgnored(second);
        var third = Acquire(breaker);

        breaker.RecordSuccess(first);
        breaker.RecordSuccess(second);
        Assert.Equal(CircuitState.HalfOpen, breaker.State);

        breaker.RecordSuccess(third);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void RecordIgnored_ClosedPermit_NeitherCountsNorResets()
    {
        var breaker = Create();
        Fail(breaker, 3);

        breaker.RecordIgnored(Acquire(breaker));

        Assert.Equal(3, breaker.ConsecutiveFailures);
    }

    [Fact]
    public void RecordSuccess_DefaultPermit_ChangesNothing()
    {
        var breaker = Create();
        Fail(breaker, 3);

        breaker.RecordSuccess(default);
        breaker.RecordIgnored(default);
        breaker.RecordFailure(default);

        Assert.Equal(3, breaker.ConsecutiveFailures);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void RecordFailure_Disabled_NeverOpens()
    {
        var breaker = new CircuitBreaker(CircuitBreakerOptions.Disabled, _time);

        Fail(breaker, 100);

        Assert.Equal(CircuitState.Closed, breaker.State);
        Assert.Equal(0, breaker.ConsecutiveFailures);
    }

    [Fact]
    public void RecordFailure_ThresholdOne_OpensOnFirstFailure()
    {
        var breaker = Create(threshold: 1);

        Fail(breaker, 1);

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void RetryAfter_ClockRunsBackwards_NeverExceedsBreakAndStaysBlocked()
    {
        var breaker = Create();
        Fail(breaker, 5);

        _time.AdjustTime(_time.GetUtcNow() - TimeSpan.FromHours(1));

        Assert.Equal(Break, breaker.RetryAfter);
        Assert.False(breaker.TryAcquire(out _, out var retryAfter));
        Assert.Equal(Break, retryAfter);
    }

    [Fact]
    public void Constructor_OptionsChangedAfterwards_BreakerKeepsCopy()
    {
        var options = new CircuitBreakerOptions { FailureThreshold = 2, BreakDuration = Break };
        var breaker = new CircuitBreaker(options, _time);

        options.FailureThreshold = 50;
        Fail(breaker, 2);

        Assert.Equal(CircuitState.Open, breaker.State);
    }

    [Fact]
    public void Constructor_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => new CircuitBreaker(null!, _time));
        Assert.Throws<ArgumentNullException>(() => new CircuitBreaker(new CircuitBreakerOptions(), null!));
    }

    private CircuitBreaker Create(int threshold = 5) => new(
        new CircuitBreakerOptions { FailureThreshold = threshold, BreakDuration = Break },
        _time,
        onTransition: (from, to) => _changes.Add((from, to)));

    private CircuitBreaker OpenedAndExpired()
    {
        var breaker = Create();
        Fail(breaker, 5);
        _time.Advance(Break);
        return breaker;
    }

    private static CircuitPermit Acquire(CircuitBreaker breaker)
    {
        Assert.True(breaker.TryAcquire(out var permit, out var retryAfter));
        Assert.Equal(TimeSpan.Zero, retryAfter);
        return permit;
    }

    private static void Fail(CircuitBreaker breaker, int times)
    {
        for (int i = 0; i < times; i++)
        {
            breaker.RecordFailure(Acquire(breaker));
        }
    }
}
