using System.Diagnostics;
using Cortex.Mcp.Fast.Bench.Load;

namespace Cortex.Mcp.Fast.IntegrationTests.Bench;

/// <summary>The pure pieces of the new harness options: the ramped schedule, the interleaved mix, error kinds.</summary>
public sealed class LoadRampAndMixTests
{
    [Fact]
    public void Ramp_HalfTheCallsOfASteadyRampAndTheFullRateAfterIt()
    {
        var f = Stopwatch.Frequency;
        var schedule = new LoadSchedule(1000, f, rampTicks: 2 * f);

        Assert.Equal(1000, schedule.CountWithin(2 * f));       // rate·T/2: a linear ramp from 0 to 1000/s over 2 s
        Assert.Equal(250, schedule.CountWithin(f));             // rate·t²/(2T) at t = 1 s
        Assert.Equal(2000, schedule.CountWithin(3 * f));        // then 1000/s
        Assert.Equal(2 * f, schedule.IntendedOffset(1000));     // the first call after the ramp is due as it ends
        Assert.Equal(2 * f + (f / 1000), schedule.IntendedOffset(1001));
        var gaps = Enumerable.Range(1, 1999).Select(i => schedule.IntendedOffset(i) - schedule.IntendedOffset(i - 1)).ToList();
        Assert.All(gaps, g => Assert.True(g >= 0));
        Assert.True(gaps[10] > gaps[900], "the gaps shrink as the rate rises");
    }

    [Fact]
    public void Ramp_None_IsTheConstantSchedule()
    {
        var ramped = new LoadSchedule(200, Stopwatch.Frequency, rampTicks: 0);
        var plain = new LoadSchedule(200, Stopwatch.Frequency);

        Assert.Equal(Enumerable.Range(0, 500).Select(i => plain.IntendedOffset(i)), Enumerable.Range(0, 500).Select(i => ramped.IntendedOffset(i)));
        Assert.Equal(plain.CountWithin(Stopwatch.Frequency * 3), ramped.CountWithin(Stopwatch.Frequency * 3));
    }

    [Fact]
    public void Mix_IsInterleavedEvenly_WithExactShares()
    {
        var settings = new LoadTargetSettings
        {
            Mix = [new LoadToolWeight("a", 3, default), new LoadToolWeight("b", 1, default), new LoadToolWeight("c", 2, default)],
        };

        var plan = LoadTarget.Plan(settings).Select(e => e.Tool).ToList();

        Assert.Equal(6, plan.Count);
        Assert.Equal(3, plan.Count(t => t == "a"));
        Assert.Equal(1, plan.Count(t => t == "b"));
        Assert.Equal(2, plan.Count(t => t == "c"));
        Assert.Equal(["a", "c", "a", "b", "c", "a"], plan); // never two "a" in a row at these weights
    }

    [Fact]
    public void Mix_Text_ParsesWeightsAndSharesTheArguments()
    {
        byte[] args = """{"x":1}"""u8.ToArray();

        Assert.True(LoadMix.TryParse("echo=3, add=1", null, args, out var mix, out _));

        Assert.Equal([("echo", 3), ("add", 1)], mix.Select(m => (m.Tool, m.Weight)));
        Assert.All(mix, m => Assert.Equal(args, m.ArgumentsUtf8.ToArray()));
    }

    [Fact]
    public void ErrorKinds_TypedErrorsByType_PlainOnesByFailureKindAndStatus()
    {
        Assert.Equal(new LoadErrorKey("Timeout", null), LoadErrorKey.Classify(new TimeoutException()));
        Assert.Equal(new LoadErrorKey("QueueFull", null), LoadErrorKey.Classify(Cortex.Mcp.Fast.Errors.ErrorFactory.QueueShed("s", "t", 8)));
        Assert.Equal(new LoadErrorKey("CallTimeout", null), LoadErrorKey.Classify(Cortex.Mcp.Fast.Errors.ErrorFactory.Deadline("s", "t", TimeSpan.FromSeconds(1), 1)));
        Assert.Equal(new LoadErrorKey("InvalidOperation", null), LoadErrorKey.FromType(new InvalidOperationException()));
        Assert.Equal("HttpStatus/503", new LoadErrorKey("HttpStatus", 503).ToString());
        Assert.Equal("NotSent", LoadErrorKey.NotSent.ToString());
    }
}
