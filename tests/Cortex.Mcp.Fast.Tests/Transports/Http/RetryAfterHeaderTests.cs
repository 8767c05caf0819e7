using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.Tests.Transports.Http;

/// <summary>Retry-After parsing (RFC 9110 §10.2.3): delta-seconds and the three HTTP-date forms.</summary>
public sealed class RetryAfterHeaderTests
{
    private static readonly DateTimeOffset Now = new(1994, 11, 6, 8, 49, 7, TimeSpan.Zero);

    [Theory]
    [InlineData("120", 120)]
    [InlineData("0", 0)]
    [InlineData(" 5 ", 5)]
    [InlineData("86400", 86400)]
    [InlineData("Sun, 06 Nov 1994 08:49:37 GMT", 30)]
    [InlineData("Sunday, 06-Nov-94 08:49:37 GMT", 30)]
    [InlineData("Sun Nov  6 08:49:37 1994", 30)]
    [InlineData("Sun, 06 Nov 1994 08:48:37 GMT", 0)]
    public void TryParse_Valid_Parsed(string value, int expectedSeconds)
    {
        Assert.True(RetryAfterHeader.TryParse(value, Now, out var delay));
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), delay);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("-5")]
    [InlineData("+5")]
    [InlineData("1.5")]
    [InlineData("5s")]
    [InlineData("1e3")]
    [InlineData("garbage")]
    [InlineData("Sun, 06 Nov 1994 08:49:37 PST")]
    [InlineData("Sun, 32 Nov 1994 08:49:37 GMT")]
    public void TryParse_Invalid_Rejected(string value)
    {
        Assert.False(RetryAfterHeader.TryParse(value, Now, out var delay));
        Assert.Equal(TimeSpan.Zero, delay);
    }

    [Fact]
    public void TryParse_AbsurdSeconds_Saturates()
    {
        Assert.True(RetryAfterHeader.TryParse("99999999999999999999999999", Now, out var delay));
        Assert.Equal(TimeSpan.MaxValue, delay);
    }
}
