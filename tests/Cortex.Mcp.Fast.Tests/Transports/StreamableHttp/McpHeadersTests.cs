using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class McpHeadersTests
{
    [Fact]
    public void Names_Always_AreTheSpecSpellings()
    {
        Assert.Equal("Mcp-Session-Id", McpHeaders.SessionId);
        Assert.Equal("MCP-Protocol-Version", McpHeaders.ProtocolVersion);
        Assert.Equal("Mcp-Method", McpHeaders.Method);
        Assert.Equal("Mcp-Name", McpHeaders.Name);
        Assert.Equal("Last-Event-ID", McpHeaders.LastEventId);
    }

    [Theory]
    [InlineData("78887e51-e068-4b7c-9da8-72800a55ae5a")] // server-everything (capture init-1125.txt)
    [InlineData("!")]
    [InlineData("~~~")]
    [InlineData("a+b/c=d")]
    public void ValidateSessionId_VisibleAscii_IsValid(string id)
    {
        Assert.Equal(SessionIdValidation.Valid, McpHeaders.ValidateSessionId(id));
    }

    [Theory]
    [InlineData("has space", (int)SessionIdValidation.InvalidCharacter)]
    [InlineData("tab\there", (int)SessionIdValidation.InvalidCharacter)]
    [InlineData("crlf\r\nX-Evil: 1", (int)SessionIdValidation.InvalidCharacter)]
    [InlineData("del\u007f", (int)SessionIdValidation.InvalidCharacter)]
    [InlineData("caf\u00e9", (int)SessionIdValidation.InvalidCharacter)]
    [InlineData("nul\0", (int)SessionIdValidation.InvalidCharacter)]
    [InlineData("", (int)SessionIdValidation.Empty)]
    [InlineData(null, (int)SessionIdValidation.Missing)]
    public void ValidateSessionId_BadValue_IsRefusedWithReason(string? id, int expected)
    {
        Assert.Equal((SessionIdValidation)expected, McpHeaders.ValidateSessionId(id));
    }

    [Fact]
    public void ValidateSessionId_LengthLimit_AcceptsOneKiBRefusesMore()
    {
        Assert.Equal(SessionIdValidation.Valid, McpHeaders.ValidateSessionId(new string('a', McpHeaders.MaxSessionIdLength)));
        Assert.Equal(SessionIdValidation.TooLong, McpHeaders.ValidateSessionId(new string('a', McpHeaders.MaxSessionIdLength + 1)));
    }
}
