namespace Cortex.Mcp.Fast.Tests.Resilience;

/// <summary>Defaults, presets and validation (messages pinned) of the resilience options.</summary>
public sealed class ResilienceOptionsTests
{
    [Fact]
    public void CircuitBreakerOptions_Default_HasSeedValues()
    {
        var options = new CircuitBreakerOptions();

        Assert.Equal(5, options.FailureThreshold);
        Assert.Equal(TimeSpan.FromSeconds(30), options.BreakDuration);
        Assert.Null(options.FailureRatio);
        Assert.Equal(100, options.MinimumThroughput);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SamplingDuration);
        Assert.True(options.Enabled);
        Assert.NotSame(new CircuitBreakerOptions(), new CircuitBreakerOptions());
    }

    [Fact]
    public void CircuitBreakerOptions_FailureRatioDefault_HasPollyValues()
    {
        var options = CircuitBreakerOptions.FailureRatioDefault;

        Assert.Equal(0.1, options.FailureRatio);
        Assert.Equal(100, options.MinimumThroughput);
        Assert.Equal(TimeSpan.FromSeconds(30), options.SamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(5), options.BreakDuration);
        Assert.False(CircuitBreakerOptions.Disabled.Enabled);
    }

    [Fact]
    public void FailureThreshold_Zero_ThrowsPinnedMessage()
    {
        var options = new CircuitBreakerOptions();

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => options.FailureThreshold = 0);

        Assert.Equal("FailureThreshold", ex.ParamName);
        Assert.Equal(
            "FailureThreshold must be at least 1. (Parameter 'FailureThreshold')" + Environment.NewLine + "Actual value was 0.",
            ex.Message);
        Assert.Equal(5, options.FailureThreshold);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-0.1)]
    [InlineData(1.01)]
    [InlineData(double.NaN)]
    public void FailureRatio_OutOfRange_Throws(double ratio)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new CircuitBreakerOptions { FailureRatio = ratio });

        Assert.StartsWith("FailureRatio must be greater than 0 and at most 1, or null", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CircuitBreakerOptions_Bounds_AcceptedAndRejected()
    {
        var options = new CircuitBreakerOptions
        {
            FailureRatio = 1,
            MinimumThroughput = 2,
            BreakDuration = TimeSpan.FromMilliseconds(1),
            SamplingDuration = TimeSpan.FromDays(1),
        };
        options.FailureRatio = null;
        options.Validate();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.MinimumThroughput = 1);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => options.BreakDuration = TimeSpan.Zero);
        Assert.StartsWith("BreakDuration must be between 1 ms and 1 day.", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.BreakDuration = TimeSpan.FromDays(1) + TimeSpan.FromTicks(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.SamplingDuration = TimeSpan.FromMilliseconds(99));
    }

    [Fact]
    public void RetryOptions_Default_HasSeedValues()
    {
        var options = new RetryOptions();

        Assert.Equal(3, options.MaxRetries);
        Assert.Equal(TimeSpan.FromMilliseconds(100), options.BaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(10), options.MaxDelay);
        Assert.Equal(0.2, options.JitterFactor);
        Assert.Equal(0, RetryOptions.NoRetry.MaxRetries);
    }

    [Fact]
    public void RetryOptions_Validate_MaxDelayBelowBaseDelay_Throws()
    {
        var options = new RetryOptions { BaseDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(1) };

        var ex = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal("MaxDelay", ex.ParamName);
        Assert.StartsWith("MaxDelay must not be less than BaseDelay.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RetryOptions_OutOfRange_Throw()
    {
        var options = new RetryOptions();

        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRetries = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxRetries = 101);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.BaseDelay = TimeSpan.FromTicks(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxDelay = TimeSpan.FromDays(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => options.JitterFactor = 1.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.JitterFactor = double.NaN);
    }

    [Fact]
    public void RetryBudgetOptions_DefaultAndBounds_FinagleValues()
    {
        var options = new RetryBudgetOptions();

        Assert.Equal(TimeSpan.FromSeconds(10), options.TimeToLive);
        Assert.Equal(10, options.MinRetriesPerSecond);
        Assert.Equal(0.2, options.RetryRatio);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => options.TimeToLive = TimeSpan.FromSeconds(61));
        Assert.StartsWith("TimeToLive must be between 1 and 60 seconds.", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.MinRetriesPerSecond = -1);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.RetryRatio = 11);
    }
}
