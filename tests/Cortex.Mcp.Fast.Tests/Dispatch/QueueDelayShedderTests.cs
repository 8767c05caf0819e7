using Cortex.Mcp.Fast.Dispatch;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>
/// The shedding rule on fake time (target 5 ms, interval 100 ms): calls that waited past the target for a whole
/// interval start the shedding, which refuses every call that waited past the target; it stops once calls have
/// waited less than the target for a whole interval. Every instant below is exact.
/// </summary>
public sealed class QueueDelayShedderTests
{
    private static readonly TimeSpan Target = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));
    private readonly QueueDelayShedder _shedder;

    public QueueDelayShedderTests() => _shedder = new QueueDelayShedder(Target, Interval, _time);

    [Fact]
    public void AboveTargetForLessThanAnInterval_NothingIsShed_ABurstIsAbsorbed()
    {
        for (var t = 0; t < 100; t += 10)
        {
            Assert.False(Take(waitedMs: 50), $"t={t} ms");
            Advance(10);
        }

        Assert.False(_shedder.IsShedding);
        Assert.Equal(0, _shedder.ShedCount);
    }

    [Fact]
    public void AboveTargetForAWholeInterval_ShedsFromThatInstant()
    {
        Assert.False(Take(waitedMs: 20)); // t = 0: the run above the target begins
        Advance(99);
        Assert.False(Take(waitedMs: 20)); // t = 99 ms: not yet a whole interval

        Advance(1);
        Assert.True(Take(waitedMs: 20));  // t = 100 ms: a whole interval above the target
        Assert.True(_shedder.IsShedding);
        Assert.True(Take(waitedMs: 6));   // still above: refused
        Assert.False(Take(waitedMs: 2));  // below the target: accepted, even while shedding
        Assert.Equal(2, _shedder.ShedCount);
    }

    [Fact]
    public void OneCallBelowTargetInTheRun_RestartsTheInterval()
    {
        Assert.False(Take(waitedMs: 20));
        Advance(60);
        Assert.False(Take(waitedMs: 1)); // the queue drained once: no standing queue
        Advance(1);
        Assert.False(Take(waitedMs: 20)); // a new run begins at t = 61 ms
        Advance(99);
        Assert.False(Take(waitedMs: 20)); // t = 160 ms: 99 ms into the new run

        Advance(1);
        Assert.True(Take(waitedMs: 20));
    }

    [Fact]
    public void Shedding_StopsOnlyAfterAWholeIntervalBelowTarget()
    {
        StartShedding();

        Assert.False(Take(waitedMs: 1)); // the run below the target begins
        Advance(90);
        Assert.False(Take(waitedMs: 1));
        Assert.True(_shedder.IsShedding); // 90 ms below: still overloaded (hysteresis)
        Assert.True(Take(waitedMs: 9));   // above again: refused at once, and the run below starts over

        Assert.False(Take(waitedMs: 1));
        Advance(100);
        Assert.False(Take(waitedMs: 1));  // a whole interval below: recovered
        Assert.False(_shedder.IsShedding);

        Assert.False(Take(waitedMs: 50)); // recovered: above the target is a new run, not a refusal
    }

    [Fact]
    public void WaitedExactlyTheTarget_IsNotAbove()
    {
        Assert.False(Take(waitedMs: 5));
        Advance(100);
        Assert.False(Take(waitedMs: 5));
        Assert.False(_shedder.IsShedding);

        Assert.False(TakeTicks(WaitedTicks(5) + 1)); // one tick past the target starts a run
        Advance(100);
        Assert.True(TakeTicks(WaitedTicks(5) + 1));
    }

    [Fact]
    public void Stalled_AQueueWithCallsAndNoProgressForAnInterval_RefusesAndStartsShedding()
    {
        _shedder.NoteCompleted();                  // a warm service: its first call has completed
        Advance(1000);
        Assert.False(_shedder.IsStalled(live: 0)); // an idle, empty queue is not stalled however long

        _shedder.NoteArrivalInEmptyQueue();       // t0: a call arrives in the empty queue
        Advance(100);
        Assert.False(_shedder.IsStalled(live: 3)); // exactly an interval: not yet

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(_shedder.IsStalled(live: 3));
        Assert.True(_shedder.IsShedding);           // the calls that waited through the stall are refused when reached
        Assert.True(Take(waitedMs: 101));
        Assert.False(_shedder.IsStalled(live: 2)); // that take was progress
        Assert.Equal(2, _shedder.ShedCount);       // the refused arrival and the refused take
    }

    [Fact]
    public void Stalled_ColdService_GetsTenIntervalsBeforeItCountsAsStalled_ThenOneOnceACallCompleted()
    {
        _shedder.NoteArrivalInEmptyQueue();        // t0: the first call arrives; the worker is connecting
        Advance(100 * QueueDelayShedder.ColdIntervals);
        Assert.False(_shedder.IsStalled(live: 8)); // a burst queued behind a cold start is not an overload
        Assert.False(_shedder.IsShedding);

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(_shedder.IsStalled(live: 8));  // a service that never answers is still refused early

        _shedder.NoteTaken();
        _shedder.NoteCompleted();
        Advance(100);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.True(_shedder.IsStalled(live: 1));  // warm: one interval without progress is a stall
    }

    [Fact]
    public void Stalled_AfterAnEndpointChange_TheServiceIsColdAgainUntilACallCompletes()
    {
        _shedder.NoteCompleted();
        _shedder.NoteCold();                       // new endpoints: first connections again
        Advance(100 * QueueDelayShedder.ColdIntervals);
        Assert.False(_shedder.IsStalled(live: 4));

        _shedder.NoteCompleted();
        Advance(1);
        Assert.True(_shedder.IsStalled(live: 4));  // warm again, and still no take since the change
    }

    [Fact]
    public void Stalled_ATakeOfARetryCountsAsProgress()
    {
        _shedder.NoteArrivalInEmptyQueue();
        Advance(80);
        _shedder.NoteTaken();
        Advance(80);

        Assert.False(_shedder.IsStalled(live: 1));
    }

    private void StartShedding()
    {
        Assert.False(Take(waitedMs: 20));
        Advance(100);
        Assert.True(Take(waitedMs: 20));
    }

    private bool Take(int waitedMs) => TakeTicks(WaitedTicks(waitedMs));

    private bool TakeTicks(long waitedTicks) => _shedder.ShouldShed(_time.GetTimestamp() - waitedTicks);

    private long WaitedTicks(int milliseconds) => milliseconds * _time.TimestampFrequency / 1000;

    private void Advance(int milliseconds) => _time.Advance(TimeSpan.FromMilliseconds(milliseconds));
}
