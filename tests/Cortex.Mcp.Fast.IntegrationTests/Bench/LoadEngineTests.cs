using System.Diagnostics;
using Cortex.Mcp.Fast.Bench.Load;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Bench;

/// <summary>The pure pieces and the runner's pacing, without a service.</summary>
public sealed class LoadEngineTests
{
    [Fact]
    public void Schedule_CountWithin_IsRateTimesWindow()
    {
        var schedule = new LoadSchedule(200, Stopwatch.Frequency);

        Assert.Equal(400, schedule.CountWithin(2 * Stopwatch.Frequency));
        Assert.Equal(0, schedule.IntendedOffset(0));
        Assert.Equal(Stopwatch.Frequency, schedule.IntendedOffset(200));
        Assert.Equal(1, schedule.CountWithin(1));
    }

    [Fact]
    public void Pacer_ManualClock_DispatchesEveryCallAtItsIntendedTime()
    {
        var clock = new ManualClock();
        var schedule = new LoadSchedule(1000, clock.Frequency);
        var intended = new List<long>();

        var result = OpenLoopPacer.Run(schedule, 5000, clock, 0, (at, _) => intended.Add(at), CancellationToken.None);

        Assert.Equal(5000, result.Dispatched);
        Assert.Equal(0, result.MaxLagTicks);
        Assert.Equal(Enumerable.Range(0, 5000).Select(i => i * clock.Frequency / 1000L), intended);
    }

    [Fact]
    public void Pacer_ClockJumpsAhead_DispatchesTheLateCallsAsOneBatchWithTheirIntendedTimes()
    {
        var clock = new ManualClock { JumpOnWait = 100 }; // each wait overshoots by 100 ms
        var schedule = new LoadSchedule(1000, clock.Frequency);
        var intended = new List<long>();

        var result = OpenLoopPacer.Run(schedule, 1000, clock, 0, (at, _) => intended.Add(at), CancellationToken.None);

        Assert.Equal(1000, result.Dispatched);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => i * clock.Frequency / 1000L), intended);
        Assert.True(result.MaxLagTicks >= 99 * clock.Frequency / 1000, $"lag {result.MaxLagTicks}");
    }

    // The runner's pacing is pinned on a FakeTimeProvider (FakeTimePacingClock below): the pacer's waits move fake
    // time, so every dispatch time and latency is exact and a run takes no wall time. Only one test runs on the
    // system clock, and it asserts only what causality guarantees (every call sent, none before its time).

    [Fact]
    public async Task OpenLoop_FakeClock200PerSecondFor2Seconds_SendsEveryCallAtItsIntendedTime()
    {
        var time = new FakeTimeProvider();
        var clock = new FakeTimePacingClock(time);
        var t0 = time.GetTimestamp();
        var sentAt = new List<long>();
        var runner = new LoadRunner(_ => { sentAt.Add(time.GetTimestamp() - t0); return ValueTask.CompletedTask; },
            new LoadRunOptions { Rate = 200, Duration = TimeSpan.FromSeconds(2), Warmup = TimeSpan.Zero }, clock, time);

        var result = await runner.RunAsync(CancellationToken.None);

        Assert.Equal(400, result.Sent);
        Assert.Equal(Enumerable.Range(0, 400).Select(i => i * clock.Frequency / 200L), sentAt); // every 5 ms, never bunched
        Assert.Equal(result.Sent, result.Completed);
        Assert.Equal(0, result.Errors);
        Assert.Equal(0, result.MaxSendLagMicros);
        Assert.Equal(TimeSpan.FromMilliseconds(1995), time.GetElapsedTime(t0)); // the last call is due at 1.995 s
        Assert.Equal(TimeSpan.FromSeconds(2), result.Duration);
        Assert.Equal(result.Completed, result.Intervals.Sum(h => h.TotalCount));
        Assert.Equal(200, result.AchievedRate);
    }

    [Fact]
    public async Task OpenLoop_SystemClock_SendsEveryScheduledCallAndNoneBeforeItsTime()
    {
        var sentAt = new List<long>();
        var runner = new LoadRunner(_ => { sentAt.Add(Stopwatch.GetTimestamp()); return ValueTask.CompletedTask; },
            new LoadRunOptions { Rate = 200, Duration = TimeSpan.FromSeconds(0.5), Warmup = TimeSpan.Zero });
        var before = Stopwatch.GetTimestamp();

        var result = await runner.RunAsync(CancellationToken.None);
        var elapsed = Stopwatch.GetElapsedTime(before);

        // Lower bounds only: a busy machine can make the pacer late, never early (Stopwatch is monotonic and the
        // run's start is after `before`). The count follows from rate x window, not from how the machine keeps up.
        Assert.Equal(100, result.Sent);
        Assert.Equal(result.Sent, result.Completed);
        Assert.Equal(100, sentAt.Count);
        for (var i = 0; i < sentAt.Count; i++)
        {
            Assert.True(sentAt[i] - before >= i * Stopwatch.Frequency / 200, $"call {i} sent {Stopwatch.GetElapsedTime(before, sentAt[i]).TotalMilliseconds} ms after the start, before its time ({i * 5} ms)");
        }

        // Only an order-of-magnitude failure (a pacer oversleeping every period) reaches this bound.
        Assert.InRange(elapsed.TotalSeconds, 0.495, 10);
    }

    [Fact]
    public async Task OpenLoop_FakeClockSlowCalls_OverlapAndDoNotSlowTheArrivalRate()
    {
        var time = new FakeTimeProvider();
        var clock = new FakeTimePacingClock(time);
        var t0 = time.GetTimestamp();
        var sentAt = new List<long>();
        int inFlight = 0, maxInFlight = 0;
        var runner = new LoadRunner(
            async ct =>
            {
                sentAt.Add(time.GetTimestamp() - t0);
                maxInFlight = Math.Max(maxInFlight, Interlocked.Increment(ref inFlight));
                await Task.Delay(TimeSpan.FromMilliseconds(50), time, ct);
                Interlocked.Decrement(ref inFlight);
            },
            new LoadRunOptions { Rate = 200, Duration = TimeSpan.FromSeconds(1), Warmup = TimeSpan.Zero }, clock, time);

        var result = await runner.RunAsync(CancellationToken.None);

        Assert.Equal(200, result.Sent); // closed loop with one caller would manage 20
        Assert.Equal(200, result.Completed);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => i * clock.Frequency / 200L), sentAt);
        Assert.True(maxInFlight >= 10, $"at most {maxInFlight} calls in flight: calls did not overlap");
        Assert.True(result.PercentileMicros(50) >= 50_000, $"p50 {result.PercentileMicros(50)} µs");
    }

    [Fact]
    public async Task OpenLoop_FakeClockOutstandingCapReached_CountsUnsentCallsAsErrors()
    {
        var time = new FakeTimeProvider();
        var runner = new LoadRunner(async ct => await Task.Delay(TimeSpan.FromSeconds(2), time, ct),
            new LoadRunOptions { Rate = 100, Duration = TimeSpan.FromSeconds(0.5), Warmup = TimeSpan.Zero, MaxOutstanding = 10, DrainTimeout = TimeSpan.FromSeconds(5) },
            new FakeTimePacingClock(time), time);

        var result = await runner.RunAsync(CancellationToken.None);

        Assert.Equal(50, result.Scheduled);
        Assert.Equal(10, result.Sent);
        Assert.Equal(10, result.Completed); // drained: the 2 s calls end within the 5 s drain timeout
        Assert.Equal(result.Scheduled - 10, result.NotSent);
        Assert.Equal(result.NotSent, result.Errors);
        Assert.True(result.ErrorRate > 0.5);
    }

    /// <summary>
    /// Coordinated omission on a fake clock, exactly: a service that answers in 1 ms but holds every call arriving
    /// between 700 and 900 ms until 900 ms. Open loop at 500/s measures from the intended send time, so the 26 calls
    /// due in the stall's first 50 ms wait ≥ 150 ms: 2.6 % of 1000, above the p99. One closed-loop caller is held
    /// once and records one slow sample among ~1800: its p99 stays at 1 ms although its max shows the stall.
    /// The same run against the real service is in LoadHarnessTests.
    /// </summary>
    [Fact]
    public async Task Stall_FakeClock_OpenLoopP99ShowsIt_ClosedLoopP99HidesIt()
    {
        var window = TimeSpan.FromSeconds(2);

        var open = await RunStalledAsync(new LoadRunOptions { Rate = 500, Duration = window, Warmup = TimeSpan.Zero }, selfTimed: false);
        var closed = await RunStalledAsync(new LoadRunOptions { Concurrency = 1, Duration = window, Warmup = TimeSpan.Zero }, selfTimed: true);

        Assert.Equal(0, open.Errors);
        Assert.Equal(0, closed.Errors);
        Assert.Equal(1000, open.Sent);
        Assert.True(open.PercentileMicros(99) >= 150_000, $"open-loop p99 {open.PercentileMicros(99)} µs should show the 200 ms stall");
        Assert.True(closed.Sent > 1000, $"closed loop sent {closed.Sent}");
        Assert.True(closed.MaxMicros >= 150_000, $"closed-loop max {closed.MaxMicros} µs: the stall happened to it too");
        Assert.True(closed.PercentileMicros(99) < 10_000, $"closed-loop p99 {closed.PercentileMicros(99)} µs should hide the stall");
    }

    [Fact]
    public async Task ClosedLoop_FailingCalls_AreErrorsAndNotRecorded()
    {
        var runner = new LoadRunner(async _ => { await Task.Yield(); throw new InvalidOperationException("boom"); },
            new LoadRunOptions { Concurrency = 2, Duration = TimeSpan.FromSeconds(0.3), Warmup = TimeSpan.Zero });

        var result = await runner.RunAsync(CancellationToken.None);

        Assert.True(result.Sent > 0);
        Assert.Equal(result.Sent, result.Errors);
        Assert.Equal(0, result.Histogram.TotalCount);
        Assert.Equal(1.0, result.ErrorRate);
    }

    [Theory]
    [InlineData("30", 30_000)]
    [InlineData("30s", 30_000)]
    [InlineData("500ms", 500)]
    [InlineData("2m", 120_000)]
    [InlineData("1.5s", 1_500)]
    public void Arguments_Duration_Parses(string text, double expectedMs)
    {
        Assert.True(LoadArguments.TryParseDuration(text, out var value));
        Assert.Equal(expectedMs, value.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("250", 250_000)]
    [InlineData("250ms", 250_000)]
    [InlineData("800us", 800)]
    [InlineData("800µs", 800)]
    [InlineData("1.5s", 1_500_000)]
    public void Arguments_Latency_ParsesToMicroseconds(string text, double expected)
    {
        Assert.True(LoadArguments.TryParseLatencyMicros(text, out var micros));
        Assert.Equal(expected, micros, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fast")]
    [InlineData("-1s")]
    [InlineData("3 parsecs")]
    public void Arguments_Nonsense_IsRejected(string text)
    {
        Assert.False(LoadArguments.TryParseDuration(text, out _));
        Assert.False(LoadArguments.TryParseLatencyMicros(text, out _));
    }

    /// <summary>
    /// Runs <paramref name="options"/> against a simulated service on a fake clock: each call takes 1 ms, and a call
    /// arriving in [700 ms, 900 ms) of the window is held until 900 ms + 1 ms. Open loop: the call is a fake-time
    /// delay that the pacer's waits complete. Closed loop (<paramref name="selfTimed"/>): nothing paces, so the call
    /// itself moves fake time to its end.
    /// </summary>
    private static async Task<LoadResult> RunStalledAsync(LoadRunOptions options, bool selfTimed)
    {
        var time = new FakeTimeProvider();
        var t0 = time.GetUtcNow();
        var stallStart = t0 + TimeSpan.FromMilliseconds(700);
        var stallEnd = t0 + TimeSpan.FromMilliseconds(900);
        var runner = new LoadRunner(
            ct =>
            {
                var now = time.GetUtcNow();
                var done = (now >= stallStart && now < stallEnd ? stallEnd : now) + TimeSpan.FromMilliseconds(1);
                if (selfTimed)
                {
                    time.Advance(done - now);
                    return ValueTask.CompletedTask;
                }

                return new ValueTask(Task.Delay(done - now, time, ct));
            },
            options, new FakeTimePacingClock(time), time);
        return await runner.RunAsync(CancellationToken.None);
    }

    /// <summary>
    /// A pacing clock on a <see cref="FakeTimeProvider"/>: waiting moves fake time forward (firing its timers, such
    /// as a simulated call's <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/>), so dispatch times
    /// and latencies are exact whatever the machine's load.
    /// </summary>
    private sealed class FakeTimePacingClock(FakeTimeProvider time) : PacingClock
    {
        public override long Frequency => time.TimestampFrequency;

        public override long GetTimestamp() => time.GetTimestamp();

        public override void WaitUntil(long timestamp, CancellationToken cancellationToken)
        {
            var ahead = timestamp - time.GetTimestamp();
            if (ahead > 0)
            {
                time.Advance(TimeSpan.FromTicks(ahead * TimeSpan.TicksPerSecond / Frequency));
            }
        }

        public override async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
        {
            time.Advance(delay);

            // Let a caller whose stack we may be on (a timer fired inline by Advance) unwind before the next poll.
            await Task.Yield();
        }
    }

    /// <summary>A clock that only moves when waited on (optionally overshooting).</summary>
    private sealed class ManualClock : PacingClock
    {
        private long _now;

        public long JumpOnWait { get; init; }

        public override long Frequency => 1_000_000;

        public override long GetTimestamp() => _now;

        public override void WaitUntil(long timestamp, CancellationToken cancellationToken)
            => _now = Math.Max(_now, timestamp) + (JumpOnWait * Frequency / 1000);
    }
}
