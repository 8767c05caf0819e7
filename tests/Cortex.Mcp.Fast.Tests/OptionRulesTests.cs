namespace Cortex.Mcp.Fast.Tests;

/// <summary>
/// Pins the parameter name and message of every option setter that validates through <c>OptionRules</c> with a
/// generated message (the hand-written messages are pinned beside their options, e.g. ResilienceOptionsTests).
/// </summary>
public sealed class OptionRulesTests
{
    public static TheoryData<string, Action, string, string> Rejections => new()
    {
        { "MinConnections", () => new HttpOptions().MinConnections = 2049, "value", "MinConnections must be between 0 and 2048." },
        { "MaxResponseBytes", () => new HttpOptions().MaxResponseBytes = 1023, "value", "MaxResponseBytes must be between 1024 and 1073741824." },
        { "MaxConcurrent", () => new StreamOptions().MaxConcurrent = 0, "value", "MaxConcurrent must be between 1 and 1024." },
        { "MaxReconnectAttempts", () => new StreamOptions().MaxReconnectAttempts = 101, "value", "MaxReconnectAttempts must be between 0 and 100." },
        { "WorkerCount", () => new QueueOptions().WorkerCount = 1025, "value", "WorkerCount must be between 1 and 1024." },
        { "Capacity", () => new QueueOptions().Capacity = 0, "value", "Capacity must be between 1 and 1048576." },
        { "MaxRetries", () => new RetryOptions().MaxRetries = -1, "MaxRetries", "MaxRetries must be between 0 and 100." },
        { "JitterFactor", () => new RetryOptions().JitterFactor = double.NaN, "JitterFactor", "JitterFactor must be between 0 and 1." },
        { "BaseDelay", () => new RetryOptions().BaseDelay = TimeSpan.FromDays(2), "BaseDelay", "BaseDelay must be between 0 and 1 day." },
        { "MinRetriesPerSecond", () => new RetryBudgetOptions().MinRetriesPerSecond = 1_000_001, "MinRetriesPerSecond", "MinRetriesPerSecond must be between 0 and 1000000." },
        { "RetryRatio", () => new RetryBudgetOptions().RetryRatio = 10.5, "RetryRatio", "RetryRatio must be between 0 and 10." },
        { "MinimumThroughput", () => new CircuitBreakerOptions().MinimumThroughput = 1, "MinimumThroughput", "MinimumThroughput must be at least 2." },
        { "SamplingDuration", () => new CircuitBreakerOptions().SamplingDuration = TimeSpan.FromMilliseconds(99), "SamplingDuration", "SamplingDuration must be between 100 ms and 1 day." },
        { "ConnectTimeout", () => new HttpOptions().ConnectTimeout = TimeSpan.Zero, "ConnectTimeout", "ConnectTimeout must be a positive, finite time span." },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public void Setter_OutOfRange_ThrowsPinnedParameterAndMessage(string option, Action set, string paramName, string message)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(set);

        Assert.Equal(paramName, ex.ParamName);
        Assert.True(ex.Message.StartsWith(message + " (Parameter '" + paramName + "')", StringComparison.Ordinal), option + ": " + ex.Message);
    }

    [Fact]
    public void Setters_AtTheirLimits_Accept()
    {
        var http = new HttpOptions { MinConnections = 2048, MaxResponseBytes = 1 << 30 };
        var streams = new StreamOptions { MaxConcurrent = 1024, MaxReconnectAttempts = 0 };
        var queue = new QueueOptions { WorkerCount = 1, Capacity = 1 << 20 };
        var retry = new RetryOptions { MaxRetries = 100, JitterFactor = 1 };
        var budget = new RetryBudgetOptions { MinRetriesPerSecond = 0, RetryRatio = 10 };

        Assert.Equal(2048, http.MinConnections);
        Assert.Equal(1 << 30, http.MaxResponseBytes);
        Assert.Equal(1024, streams.MaxConcurrent);
        Assert.Equal(0, streams.MaxReconnectAttempts);
        Assert.Equal(1, queue.WorkerCount);
        Assert.Equal(1 << 20, queue.Capacity);
        Assert.Equal(100, retry.MaxRetries);
        Assert.Equal(1, retry.JitterFactor);
        Assert.Equal(0, budget.MinRetriesPerSecond);
        Assert.Equal(10, budget.RetryRatio);
    }
}
