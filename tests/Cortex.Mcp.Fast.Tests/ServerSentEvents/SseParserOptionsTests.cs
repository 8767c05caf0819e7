using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Tests.ServerSentEvents;

public sealed class SseParserOptionsTests
{
    [Fact]
    public void Constructor_Defaults_AreDocumentedValues()
    {
        var options = new SseParserOptions();

        Assert.Equal(1024 * 1024, options.MaxLineLength);
        Assert.Equal(16 * 1024 * 1024, options.MaxEventSize);
        Assert.Equal(1024, options.MaxIdLength);
        Assert.Equal(options.MaxLineLength, SseParserOptions.Default.MaxLineLength);
        Assert.Equal(options.MaxEventSize, SseParserOptions.Default.MaxEventSize);
        Assert.Equal(options.MaxIdLength, SseParserOptions.Default.MaxIdLength);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(int.MaxValue)]
    public void Setters_OutOfRange_ThrowArgumentOutOfRange(int value)
    {
        var options = new SseParserOptions();

        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxLineLength = value).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxEventSize = value).ParamName);
        Assert.Equal("value", Assert.Throws<ArgumentOutOfRangeException>(() => options.MaxIdLength = value).ParamName);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0x7FFFFFC7)]
    public void Setters_InRange_AreKept(int value)
    {
        var options = new SseParserOptions { MaxLineLength = value, MaxEventSize = value, MaxIdLength = value };

        Assert.Equal(value, options.MaxLineLength);
        Assert.Equal(value, options.MaxEventSize);
        Assert.Equal(value, options.MaxIdLength);
    }

    [Fact]
    public void Default_Setters_ThrowInvalidOperation()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => SseParserOptions.Default.MaxLineLength = 10);
        Assert.Throws<InvalidOperationException>(() => SseParserOptions.Default.MaxEventSize = 10);
        Assert.Throws<InvalidOperationException>(() => SseParserOptions.Default.MaxIdLength = 10);

        Assert.Equal("SseParserOptions.Default is shared and read-only; create a new SseParserOptions instead.", ex.Message);
        Assert.Equal(1024 * 1024, SseParserOptions.Default.MaxLineLength);
    }
}
