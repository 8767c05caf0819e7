using System.Globalization;
using System.Numerics;
using System.Text;
using Cortex.Mcp.Fast.ServerSentEvents;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cortex.Mcp.Fast.Tests.ServerSentEvents;

/// <summary>
/// The <c>retry</c> field over its whole range. WHATWG: "If the field value consists of only ASCII digits, then
/// interpret the field value as an integer in base ten" — any number of digits. A value past what a
/// <see cref="TimeSpan"/> holds is kept as <see cref="TimeSpan.MaxValue"/>, never ignored.
/// </summary>
public sealed class SseRetryRangeProperties
{
    /// <summary>The largest whole number of milliseconds a TimeSpan holds (922,337,203,685,477).</summary>
    private static readonly BigInteger s_maxMilliseconds = long.MaxValue / TimeSpan.TicksPerMillisecond;

    [Property(MaxTest = 500, Arbitrary = [typeof(DigitsArbitrary)])]
    public void Retry_AnyDigits_IsTheValueOrTheLargestInterval(DigitString digits)
    {
        var expected = BigInteger.Parse(digits.Value, CultureInfo.InvariantCulture) is var ms && ms <= s_maxMilliseconds
            ? TimeSpan.FromTicks((long)ms * TimeSpan.TicksPerMillisecond)
            : TimeSpan.MaxValue;

        Assert.Equal(expected, Parse("retry: " + digits.Value + "\n"));
    }

    [Property(MaxTest = 200, Arbitrary = [typeof(DigitsArbitrary)])]
    public void Retry_DigitsThenOneNonDigit_IsIgnored(DigitString digits)
    {
        // A long value with a bad byte at the end: the saturating scan must still reject the whole field.
        Assert.Equal(TimeSpan.FromMilliseconds(7), Parse("retry: 7\nretry: " + digits.Value + "x\n"));
    }

    [Theory]
    [InlineData("922337203685477", 922337203685477L)]
    [InlineData("922337203685478", -1L)]
    [InlineData("99999999999999999999", -1L)]
    [InlineData("00000000000000000000000000000000000000000000000000000000000000000000000000000000012", 12L)]
    [InlineData("1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", -1L)]
    public void Retry_Boundaries(string value, long expectedMilliseconds)
    {
        var expected = expectedMilliseconds < 0 ? TimeSpan.MaxValue : TimeSpan.FromTicks(expectedMilliseconds * TimeSpan.TicksPerMillisecond);

        Assert.Equal(expected, Parse("retry: " + value + "\n"));
    }

    [Fact]
    public void Retry_LargestThenSmall_TheLastValidValueWins()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(3), Parse("retry: 99999999999999999999999\nretry: 3\n"));
        Assert.Equal(TimeSpan.MaxValue, Parse("retry: 3\nretry: 99999999999999999999999\n"));
    }

    private static TimeSpan? Parse(string text)
    {
        using var reader = new SseEventReader(new System.Buffers.ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)));
        while (reader.MoveNext())
        {
        }

        return reader.ReconnectionInterval;
    }
}

/// <summary>A non-empty string of ASCII digits, 1 to 60 long (leading zeros included).</summary>
public sealed record DigitString(string Value)
{
    public override string ToString() => Value;
}

public static class DigitsArbitrary
{
    private static readonly BigInteger s_max = long.MaxValue / TimeSpan.TicksPerMillisecond;

    public static Arbitrary<DigitString> Digits()
    {
        var digit = Gen.Elements('0', '1', '2', '3', '4', '5', '6', '7', '8', '9');
        var digits = Gen.Choose(1, 60).SelectMany(n => Gen.ArrayOf(digit, n)).Select(chars => new DigitString(new string(chars)));

        // Half of them near the boundary, where an off-by-one would hide.
        var nearMax = Gen.Choose(-5, 5).Select(d => new DigitString((s_max + d).ToString(CultureInfo.InvariantCulture)));
        return Arb.From(Gen.Frequency((1, digits), (1, nearMax)));
    }
}
