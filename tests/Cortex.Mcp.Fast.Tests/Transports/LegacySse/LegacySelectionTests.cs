using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports;
using Cortex.Mcp.Fast.Transports.LegacySse;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.LegacySse;

/// <summary>Which transport a legacy-aware setting creates, and which refusals the probe reads as "legacy server".</summary>
public sealed class LegacySelectionTests
{
    [Theory]
    [InlineData(404, true)]
    [InlineData(405, true)]
    [InlineData(410, true)]
    [InlineData(400, false)] // a Streamable HTTP server refusing the request's content (e.g. no session)
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(407, false)]
    [InlineData(408, false)]
    [InlineData(429, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public void LegacySignal_OnlyFor4xxThatAreNotAboutTheRequestOrAccess(int status, bool legacy) =>
        Assert.Equal(legacy, BackwardsCompatibleTransport.IsLegacySignal(TransportFailure.Status(status, "refused")));

    [Fact]
    public void LegacySignal_NotForFailuresWithoutAStatus()
    {
        Assert.False(BackwardsCompatibleTransport.IsLegacySignal(TransportFailure.Network("reset")));
        Assert.False(BackwardsCompatibleTransport.IsLegacySignal(TransportFailure.Protocol("bad", status: 404)));
        Assert.False(BackwardsCompatibleTransport.IsLegacySignal(TransportFailure.LostSession(404, "lost")));
    }

    [Fact]
    public async Task Factory_CreatesTheConfiguredTransport()
    {
        var endpoint = new Uri("http://127.0.0.1:1/sse");
        await using var legacy = TransportFactory.Create("s", endpoint, new McpServiceOptions { Protocol = McpProtocol.LegacySse }, TimeProvider.System);
        Assert.IsType<LegacySseTransport>(legacy);

        await using var probing = TransportFactory.Create("s", endpoint, new McpServiceOptions { Protocol = McpProtocol.StreamableHttpOrLegacySse }, TimeProvider.System);
        var backwards = Assert.IsType<BackwardsCompatibleTransport>(probing);
        Assert.IsType<StreamableHttpTransport>(backwards.Current); // nothing decided before the first operation

        // Auto keeps its path rule: it never picks the legacy transport.
        Assert.Equal(McpProtocol.Rest, TransportFactory.Resolve(McpProtocol.Auto, endpoint));
    }
}
