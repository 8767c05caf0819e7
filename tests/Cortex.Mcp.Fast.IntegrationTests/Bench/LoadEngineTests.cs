using System.Diagnostics;
using Cortex.Mcp.Fast.Bench.Load;

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

    [Fact]
    public async Task OpenLoop_200PerSecondFor2Seconds_SendsWithin5PercentOfRateTimesDuration()
    {
        long calls = 0;
        var runner = new LoadRunner(_ => { Interlocked.Increment(ref calls); return ValueTask.CompletedTask; },
            new LoadRunOptions { Rate = 200, Duration = TimeSpan.FromSeconds(2), Warmup = TimeSpan.Zero });
        var watch = Stopwatch.StartNew();

        var result = await runner.RunAsync(CancellationToken.None);

        Assert.InRange(result.Sent, 380, 420);
        Assert.Equal(result.Sent, Interlocked.Read(ref calls));
        Assert.Equal(result.Sent, result.Completed);
        Assert.Equal(0, result.Errors);
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.9, 4);
        Assert.Equal(result.Completed, result.Intervals.Sum(h => h.TotalCount));
        Assert.InRange(result.AchievedRate, 190, 210);
    }

    [Fact]
    public async Task OpenLoop_SlowCalls_OverlapAndDoNotSlowTheArrivalRate()
    {
        var runner = new LoadRunner(async ct => await Task.Delay(50, ct),
            new LoadRunOptions { Rate = 200, Duration = TimeSpan.FromSeconds(1), Warmup = TimeSpan.Zero });

        var result = await runner.RunAsync(CancellationToken.None);

        Assert.InRange(result.Sent, 190, 210); // closed loop with one caller would manage ~20
        Assert.True(result.PercentileMicros(50) >= 45_000, $"p50 {result.PercentileMicros(50)} µs");
    }

    [Fact]
    public async Task OpenLoop_OutstandingCapReached_CountsUnsentCallsAsErrors()
    {
        var runner = new LoadRunner(async ct => await Task.Delay(2000, ct),
            new LoadRunOptions { Rate = 100, Duration = TimeSpan.FromSeconds(0.5), Warmup = TimeSpan.Zero, MaxOutstanding = 10, DrainTimeout = TimeSpan.FromSeconds(5) });

        var result = await runner.RunAsync(CancellationToken.None);

        Assert.Equal(10, result.Sent);
        Assert.Equal(result.Scheduled - 10, result.NotSent);
        Assert.Equal(result.NotSent, result.Errors);
        Assert.True(result.ErrorRate > 0.5);
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
