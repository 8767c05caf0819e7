using System.Text;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class McpProtocolVersionsTests
{
    [Fact]
    public void Supported_Always_IsNewestFirstAndExcludes20250326()
    {
        Assert.Equal(["2026-07-28", "2025-11-25", "2025-06-18"], McpProtocolVersions.Supported);
        Assert.Equal("2026-07-28", McpProtocolVersions.Latest);
        Assert.Equal("2025-11-25", McpProtocolVersions.LatestWithHandshake);
    }

    [Theory]
    [InlineData("2026-07-28", true, true)]
    [InlineData("2025-11-25", true, true)]
    [InlineData("2025-06-18", true, true)]
    [InlineData("2025-03-26", false, true)]
    [InlineData("2024-11-05", false, false)]
    [InlineData("1999-01-01", false, false)]
    [InlineData("DRAFT-2026-v1", false, false)]
    [InlineData("", false, false)]
    [InlineData(null, false, false)]
    public void IsSupported_Version_MatchesTable(string? version, bool supported, bool acceptedFromServer)
    {
        Assert.Equal(supported, McpProtocolVersions.IsSupported(version));
        Assert.Equal(acceptedFromServer, McpProtocolVersions.IsAcceptedFromServer(version));
    }

    [Theory]
    [InlineData("2026-07-28", false, true, false, false)]
    [InlineData("2025-11-25", true, false, true, true)]
    [InlineData("2025-06-18", true, false, true, false)]
    [InlineData("2025-03-26", true, false, true, false)]
    public void UsesInitializeHandshake_Version_SelectsTransportShape(string version, bool handshake, bool headers, bool resumable, bool priming)
    {
        Assert.Equal(handshake, McpProtocolVersions.UsesInitializeHandshake(version));
        Assert.Equal(headers, McpProtocolVersions.UsesRequestMetadataHeaders(version));
        Assert.Equal(resumable, McpProtocolVersions.SupportsResumption(version));
        Assert.Equal(priming, McpProtocolVersions.SendsPrimingEvent(version));
    }

    [Fact]
    public void TryGetKnown_WireBytes_ReturnsTheInternedConstant()
    {
        Assert.True(McpProtocolVersions.TryGetKnown("2025-11-25"u8, out var v));
        Assert.Same(McpProtocolVersions.V2025_11_25, v);
        Assert.True(McpProtocolVersions.TryGetKnown("2025-03-26"u8, out v));
        Assert.Same(McpProtocolVersions.V2025_03_26, v);
        Assert.False(McpProtocolVersions.TryGetKnown("2025-11-2"u8, out v));
        Assert.Null(v);
    }

    [Theory]
    [InlineData(new[] { "2025-11-25", "2025-06-18", "2025-03-26" }, "2025-11-25")]
    [InlineData(new[] { "2025-03-26", "2025-06-18" }, "2025-06-18")]
    [InlineData(new[] { "2026-07-28", "2025-11-25" }, "2026-07-28")]
    [InlineData(new[] { "2025-11-25", "2026-07-28" }, "2026-07-28")]
    [InlineData(new[] { "2025-03-26", "2024-11-05" }, null)]
    [InlineData(new string[0], null)]
    public void SelectNewestCommon_ServerList_PicksNewestWeSupport(string[] server, string? expected)
    {
        Assert.Equal(expected, McpProtocolVersions.SelectNewestCommon(server));
    }

    [Theory]
    [InlineData("""{"supported":["2026-07-28","2025-11-25"],"requested":"1900-01-01"}""", "2026-07-28")]
    [InlineData("""{"requested":"2026-07-28","supported":["2025-06-18","2025-11-25",{"x":1},7]}""", "2025-11-25")]
    [InlineData("""{"supported":["2024-11-05"]}""", null)]
    [InlineData("""{"supported":"2025-11-25"}""", null)]
    [InlineData("""["2025-11-25"]""", null)]
    [InlineData("""{"supported":["2025-11-25" """, null)]
    [InlineData("", null)]
    public void TrySelectFromUnsupportedVersionData_ErrorData_NegotiatesOrRefuses(string data, string? expected)
    {
        var ok = McpProtocolVersions.TrySelectFromUnsupportedVersionData(Encoding.UTF8.GetBytes(data), out var version);
        Assert.Equal(expected is not null, ok);
        Assert.Equal(expected, version);
    }
}
