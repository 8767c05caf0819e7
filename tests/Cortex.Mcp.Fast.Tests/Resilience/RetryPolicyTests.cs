using Cortex.Mcp.Fast.Resilience;
using FsCheck.Xunit;

namespace Cortex.Mcp.Fast.Tests.Resilience;

/// <summary>Backoff bounds and deadline handling.</summary>
public sealed class RetryPolicyTests
{
    private static readonly DateTimeOffset Now = new(1994, 11, 6, 8, 49, 7, TimeSpan.Zero);

    [Fact]
    public void ComputeBackoff_DefaultOptionsMidJitter_SeedSequence()
    {
        var options = new RetryOptions();

        TimeSpan[] delays = [.. Enumerable.Range(0, 4).Select(a => RetryPolicy.ComputeBackoff(a, options, 0.5))];

        Assert.Equal(
            [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800)],
            delays);
    }

    [Fact]
    public void ComputeBackoff_HugeAttempt_CappedWithoutOverflow()
    {
        var options = new RetryOptions { BaseDelay = TimeSpan.FromDays(1), MaxDelay = TimeSpan.FromDays(1) };

        Assert.Equal(TimeSpan.FromDays(1), RetryPolicy.ComputeBackoff(int.MaxValue, options, 1));
        Assert.Equal(TimeSpan.FromSeconds(10), RetryPolicy.ComputeBackoff(10_000, new RetryOptions(), 0));
        Assert.Equal(TimeSpan.Zero, RetryPolicy.ComputeBackoff(int.MaxValue, new RetryOptions { BaseDelay = TimeSpan.Zero }, 1));
    }

    [Fact]
    public void ComputeBackoff_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPolicy.ComputeBackoff(-1, new RetryOptions(), 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPolicy.ComputeBackoff(0, new RetryOptions(), 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => RetryPolicy.ComputeBackoff(0, new RetryOptions(), double.NaN));
        Assert.Throws<ArgumentNullException>(() => RetryPolicy.ComputeBackoff(0, null!, 0.5));
    }

    [Property(MaxTest = 500)]
    public void ComputeBackoff_AnyInput_WithinJitterBoundsAndCap(byte attemptSeed, uint randomSeed, byte jitterSeed, ushort capMs)
    {
        int attempt = attemptSeed % 80;
        double random01 = randomSeed / (double)uint.MaxValue;
        var options = new RetryOptions
        {
            JitterFactor = jitterSeed / 255.0,
            MaxDelay = TimeSpan.FromMilliseconds(100 + capMs),
        };

        TimeSpan delay = RetryPolicy.ComputeBackoff(attempt, options, random01);

        double exponential = Math.ScaleB(options.BaseDelay.Ticks, attempt);
        double cap = options.MaxDelay.Ticks;
        double lower = Math.Min(cap, exponential * (1 - options.JitterFactor));
        double upper = Math.Min(cap, exponential * (1 + options.JitterFactor));
        Assert.InRange(delay.Ticks, (long)lower - 1, (long)Math.Ceiling(upper));
        Assert.True(delay <= options.MaxDelay);
        Assert.True(RetryPolicy.ComputeBackoff(attempt + 1, options, random01) >= delay); // Monotone up to the cap.
    }

    [Property(MaxTest = 500)]
    public void TryGetRetryDelay_AnyInput_NeverReachesDeadline(byte attempt, uint randomSeed, int retryAfterMs, int remainingMs)
    {
        var options = new RetryOptions();
        double random01 = randomSeed / (double)uint.MaxValue;
        TimeSpan? retryAfter = retryAfterMs % 3 == 0 ? null : TimeSpan.FromMilliseconds(Math.Abs((long)retryAfterMs) % 60_000);
        TimeSpan remaining = TimeSpan.FromMilliseconds(remainingMs % 60_000);
        int retry = attempt % 6;

        bool retrying = RetryPolicy.TryGetRetryDelay(retry, options, random01, retryAfter, remaining, out var delay);

        TimeSpan backoff = RetryPolicy.ComputeBackoff(retry, options, random01);
        if (retrying)
        {
            Assert.True(retry < options.MaxRetries);
            Assert.True(delay < remaining);
            Assert.Equal(retryAfter is { } ra && ra > backoff ? ra : backoff, delay);
        }
        else
        {
            Assert.Equal(TimeSpan.Zero, delay);
            TimeSpan wanted = retryAfter is { } ra && ra > backoff ? ra : backoff;
            Assert.True(retry >= options.MaxRetries || wanted >= remaining);
        }
    }

    [Fact]
    public void TryGetRetryDelay_RetryAfterLongerThanBackoffAndMaxDelay_Wins()
    {
        bool retrying = RetryPolicy.TryGetRetryDelay(
            0, new RetryOptions(), 0.5, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(30), out var delay);

        Assert.True(retrying);
        Assert.Equal(TimeSpan.FromSeconds(20), delay);
    }

    [Fact]
    public void TryGetRetryDelay_RetryAfterPastDeadline_FailsFast()
    {
        Assert.False(RetryPolicy.TryGetRetryDelay(
            0, new RetryOptions(), 0.5, TimeSpan.FromDays(1), TimeSpan.FromSeconds(30), out _));
        Assert.False(RetryPolicy.TryGetRetryDelay(0, RetryOptions.NoRetry, 0.5, null, TimeSpan.FromSeconds(30), out _));
    }
}
