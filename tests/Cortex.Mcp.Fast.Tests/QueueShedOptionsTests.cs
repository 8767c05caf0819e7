namespace Cortex.Mcp.Fast.Tests;

/// <summary>The shedding and waiter options of <see cref="QueueOptions"/>: pinned messages, limits, snapshots.</summary>
public sealed class QueueShedOptionsTests
{
    public static TheoryData<string, Action, string, string> Rejections => new()
    {
        { "ShedTarget", () => new QueueOptions().ShedTarget = TimeSpan.FromMicroseconds(99), "ShedTarget", "ShedTarget must be between 100 µs and 1 minute." },
        { "ShedTarget", () => new QueueOptions().ShedTarget = TimeSpan.FromMinutes(2), "ShedTarget", "ShedTarget must be between 100 µs and 1 minute." },
        { "ShedInterval", () => new QueueOptions().ShedInterval = TimeSpan.Zero, "ShedInterval", "ShedInterval must be between 1 ms and 1 hour." },
        { "ShedInterval", () => new QueueOptions().ShedInterval = Timeout.InfiniteTimeSpan, "ShedInterval", "ShedInterval must be between 1 ms and 1 hour." },
        { "MaxWaiters", () => new QueueOptions().MaxWaiters = -1, "value", "MaxWaiters must be between 0 and 1048576." },
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
        var low = new QueueOptions { ShedTarget = TimeSpan.FromMicroseconds(100), ShedInterval = TimeSpan.FromMilliseconds(1), MaxWaiters = 0 };
        var high = new QueueOptions { ShedTarget = TimeSpan.FromMinutes(1), ShedInterval = TimeSpan.FromHours(1), MaxWaiters = 1 << 20 };

        Assert.Equal(TimeSpan.FromMicroseconds(100), low.ShedTarget);
        Assert.Equal(TimeSpan.FromMilliseconds(1), low.ShedInterval);
        Assert.Equal(0, low.MaxWaiters);
        Assert.Equal(TimeSpan.FromMinutes(1), high.ShedTarget);
        Assert.Equal(TimeSpan.FromHours(1), high.ShedInterval);
        Assert.Equal(1 << 20, high.MaxWaiters);
    }

    [Fact]
    public void Snapshot_CopiesTheSheddingSettings()
    {
        var options = new McpServiceOptions { Queue = { FullMode = QueueFullMode.Wait, ShedTarget = TimeSpan.FromMilliseconds(7), ShedInterval = TimeSpan.FromMilliseconds(300), MaxWaiters = 9 } };

        var running = options.Snapshot();
        options.Queue.ShedTarget = TimeSpan.FromMilliseconds(1);

        Assert.Equal(QueueFullMode.Wait, running.Queue.FullMode);
        Assert.Equal(TimeSpan.FromMilliseconds(7), running.Queue.ShedTarget);
        Assert.Equal(TimeSpan.FromMilliseconds(300), running.Queue.ShedInterval);
        Assert.Equal(9, running.Queue.MaxWaiters);
    }
}
