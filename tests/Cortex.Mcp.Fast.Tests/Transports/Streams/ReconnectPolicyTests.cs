using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Tests.Transports.Streams;

/// <summary>The first reconnect waits exactly the server's <c>retry</c>; only repeated failures back off, from a
/// floor, monotonically, up to a cap.</summary>
public sealed class ReconnectPolicyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(500)]
    [InlineData(2500)]
    public void Delay_FirstReconnect_IsExactlyTheServerRetry(int retryMs)
    {
        var retry = TimeSpan.FromMilliseconds(retryMs);

        Assert.Equal(retry, ReconnectPolicy.Delay(retry, 0));
        Assert.Equal(retry, ReconnectPolicy.Delay(retry, 1));
    }

    [Fact]
    public void Delay_WithoutServerRetry_IsOneSecond()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), ReconnectPolicy.Delay(null, 1));
        Assert.Equal(TimeSpan.FromSeconds(1), ReconnectPolicy.DefaultInterval);
    }

    [Fact]
    public void Delay_HostileRetry_IsClampedToTheCapAndNeverNegative()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), ReconnectPolicy.Delay(TimeSpan.FromDays(3), 1));
        Assert.Equal(TimeSpan.FromSeconds(30), ReconnectPolicy.Delay(TimeSpan.MaxValue, 7));
        Assert.Equal(TimeSpan.Zero, ReconnectPolicy.Delay(TimeSpan.FromSeconds(-5), 1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(250)]
    [InlineData(1000)]
    [InlineData(20_000)]
    public void Delay_RepeatedFailures_BackOffFromTheFloorMonotonicallyUpToTheCap(int retryMs)
    {
        var retry = TimeSpan.FromMilliseconds(retryMs);
        var previous = ReconnectPolicy.Delay(retry, 1);
        for (var failures = 2; failures <= 200; failures++)
        {
            var delay = ReconnectPolicy.Delay(retry, failures);

            Assert.True(delay >= previous, $"{failures}: {delay} < {previous}");
            Assert.True(delay >= TimeSpan.FromMilliseconds(250), $"{failures}: {delay} under the floor");
            Assert.True(delay >= retry, $"{failures}: {delay} under the server's retry");
            Assert.True(delay <= TimeSpan.FromSeconds(30), $"{failures}: {delay} over the cap");
            previous = delay;
        }

        Assert.Equal(TimeSpan.FromSeconds(30), ReconnectPolicy.Delay(retry, 200));
    }

    [Fact]
    public void Delay_RetryZeroStorm_GrowsGeometrically()
    {
        // retry: 0 must not allow a tight loop: the second failure in a row already waits, and each further one waits longer.
        var waits = Enumerable.Range(2, 5).Select(n => ReconnectPolicy.Delay(TimeSpan.Zero, n)).ToArray();

        Assert.Equal(
            [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)],
            waits);
    }

    [Fact]
    public void Delay_HugeFailureCount_DoesNotOverflow()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), ReconnectPolicy.Delay(TimeSpan.FromMilliseconds(500), int.MaxValue));
        Assert.Equal(TimeSpan.FromSeconds(30), ReconnectPolicy.Delay(null, int.MaxValue));
    }
}
