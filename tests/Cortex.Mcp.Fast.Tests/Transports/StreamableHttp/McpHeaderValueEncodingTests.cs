using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class McpHeaderValueEncodingTests
{
    // The spec's own table (2026-07-28 basic/transports/streamable-http.mdx, "Encoding examples").
    [Theory]
    [InlineData("us-west1", "us-west1")]
    [InlineData("Hello, 世界", "=?base64?SGVsbG8sIOS4lueVjA==?=")]
    [InlineData(" padded ", "=?base64?IHBhZGRlZCA=?=")]
    [InlineData("line1\nline2", "=?base64?bGluZTEKbGluZTI=?=")]
    [InlineData("=?base64?literal?=", "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=")]
    public void Encode_SpecExamples_MatchTheSpec(string value, string expected)
    {
        Assert.Equal(expected, McpHeaderValueEncoding.Encode(value));
    }

    [Theory]
    [InlineData("get-sum")]
    [InlineData("demo://resource/dynamic/text/1")]
    [InlineData("two words")]
    [InlineData("inner\ttab")]
    [InlineData("=?base64?")] // only a prefix: not the sentinel pattern
    [InlineData("?=")]
    public void Encode_SafeValue_ReturnsSameInstance(string value)
    {
        Assert.Same(value, McpHeaderValueEncoding.Encode(value));
        Assert.False(McpHeaderValueEncoding.RequiresEncoding(value));
    }

    [Theory]
    [InlineData("trailing ")]
    [InlineData("\tleading")]
    [InlineData("cr\r")]
    [InlineData("nul\0x")]
    [InlineData("del\u007f")]
    [InlineData("é")]
    [InlineData("")]
    [InlineData("=?base64??=")]
    public void Encode_UnsafeValue_UsesSentinelAndRoundTrips(string value)
    {
        var encoded = McpHeaderValueEncoding.Encode(value);
        Assert.StartsWith("=?base64?", encoded, StringComparison.Ordinal);
        Assert.EndsWith("?=", encoded, StringComparison.Ordinal);
        Assert.True(McpHeaderValueEncoding.TryDecode(encoded, out var decoded));
        Assert.Equal(value, decoded);
    }

    [Fact]
    public void TryDecode_Malformed_IsRefused()
    {
        Assert.False(McpHeaderValueEncoding.TryDecode("=?base64?%%%?=", out _));
        Assert.False(McpHeaderValueEncoding.TryDecode("=?base64?" + Convert.ToBase64String([0xFF, 0xFE]) + "?=", out _));
        Assert.False(McpHeaderValueEncoding.TryDecode("line1\nline2", out _));
        Assert.False(McpHeaderValueEncoding.TryDecode("=?BASE64?dXM=?=\n", out _));
    }

    [Fact]
    public void TryDecode_UppercaseMarker_IsPlainValue()
    {
        // Spec: the markers "are case-sensitive and MUST appear exactly as shown (lowercase)".
        Assert.True(McpHeaderValueEncoding.TryDecode("=?BASE64?dXM=?=", out var decoded));
        Assert.Equal("=?BASE64?dXM=?=", decoded);
    }
}
