using System.Buffers;
using System.Text;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class McpClientIdentityTests
{
    private static string Capabilities(Action<McpOptions> configure)
    {
        var options = new McpServiceOptions();
        configure(options.Mcp);
        return Encoding.UTF8.GetString(McpClientIdentity.From(options.Mcp).CapabilitiesJson);
    }

    [Fact]
    public void From_EachHandler_DeclaresExactlyItsCapability()
    {
        Assert.Equal("{}", Capabilities(_ => { }));
        Assert.Equal("""{"sampling":{}}""", Capabilities(o => o.SamplingHandler = (_, _) => default));
        Assert.Equal("""{"elicitation":{}}""", Capabilities(o => o.ElicitationHandler = (_, _) => default));
        Assert.Equal("""{"elicitation":{"url":{}}}""", Capabilities(o => { o.ElicitationHandler = (_, _) => default; o.ElicitationModes = McpElicitationModes.Url; }));
        Assert.Equal("""{"elicitation":{"form":{},"url":{}}}""", Capabilities(o => { o.ElicitationHandler = (_, _) => default; o.ElicitationModes = McpElicitationModes.Form | McpElicitationModes.Url; }));
        Assert.Equal("""{"roots":{"listChanged":true}}""", Capabilities(o => o.RootsHandler = (_, _) => default));
        // The raw escape hatch declares nothing: it serves only methods outside the client features.
        Assert.Equal("{}", Capabilities(o => o.ServerRequestHandler = (_, _, _) => default));
        // Modes without an elicitation handler declare nothing either.
        Assert.Equal("{}", Capabilities(o => o.ElicitationModes = McpElicitationModes.Url));
    }

    [Fact]
    public void WriteInitialize_ConfiguredIdentity_WritesNameVersionTitle()
    {
        var options = new McpServiceOptions();
        options.Mcp.ClientName = "agent \"x\"";
        options.Mcp.ClientVersion = "2.1.0";
        options.Mcp.ClientTitle = "Agent X";
        using var writer = new JsonRpcRequestWriter(McpClientIdentity.From(options.Mcp), "2025-11-25");
        var buffer = new ArrayBufferWriter<byte>();
        writer.WriteInitialize(buffer, 1, "2025-11-25");
        Assert.Contains("""
            "clientInfo":{"name":"agent \u0022x\u0022","version":"2.1.0","title":"Agent X"}
            """, Encoding.UTF8.GetString(buffer.WrittenSpan), StringComparison.Ordinal);
    }

    [Fact]
    public void WriteInitialize_Defaults_NameIsTheLibraryAndNoTitle()
    {
        using var writer = new JsonRpcRequestWriter(McpClientIdentity.From(new McpServiceOptions().Mcp), "2025-11-25");
        var buffer = new ArrayBufferWriter<byte>();
        writer.WriteInitialize(buffer, 1, "2025-11-25");
        var json = Encoding.UTF8.GetString(buffer.WrittenSpan);
        Assert.Contains("\"clientInfo\":{\"name\":\"Cortex.Mcp.Fast\",\"version\":\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("title", json, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteRootsListChanged_HandshakeAndStateless_SpecShape()
    {
        var identity = new McpClientIdentity("c", "1", McpClientCapabilities.Roots | McpClientCapabilities.RootsListChanged);
        using var writer = new JsonRpcRequestWriter(identity, "2025-11-25");
        var buffer = new ArrayBufferWriter<byte>();
        writer.WriteRootsListChangedNotification(buffer);
        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}""", Encoding.UTF8.GetString(buffer.WrittenSpan));

        using var modern = new JsonRpcRequestWriter(identity, McpProtocolVersions.V2026_07_28);
        buffer.Clear();
        modern.WriteRootsListChangedNotification(buffer);
        Assert.Contains("\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\"", Encoding.UTF8.GetString(buffer.WrittenSpan), StringComparison.Ordinal);
    }
}
