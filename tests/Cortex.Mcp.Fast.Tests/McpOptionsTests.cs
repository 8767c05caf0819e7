namespace Cortex.Mcp.Fast.Tests;

public class McpOptionsTests
{
    [Fact]
    public void Defaults_AreDocumented()
    {
        var options = new McpServiceOptions().Mcp;
        Assert.Equal("Cortex.Mcp.Fast", options.ClientName);
        Assert.False(string.IsNullOrEmpty(options.ClientVersion));
        Assert.Null(options.ClientTitle);
        Assert.Equal(McpElicitationModes.Form, options.ElicitationModes);
        Assert.False(options.ApplyElicitationDefaults);
        Assert.Equal(TimeSpan.FromMinutes(5), options.ServerRequestTimeout);
        Assert.Null(options.SamplingHandler);
        Assert.Null(options.ElicitationHandler);
        Assert.Null(options.RootsHandler);
        Assert.Null(options.ServerRequestHandler);
    }

    [Fact]
    public void Setters_RejectBadValues_WithPinnedMessages()
    {
        var options = new McpServiceOptions().Mcp;
        var name = Assert.Throws<ArgumentException>(() => options.ClientName = " ");
        Assert.StartsWith("ClientName must not be empty.", name.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => options.ClientVersion = "");
        Assert.Throws<ArgumentException>(() => options.ClientTitle = "");
        options.ClientTitle = null; // null means "no title" and is fine
        var modes = Assert.Throws<ArgumentOutOfRangeException>(() => options.ElicitationModes = McpElicitationModes.None);
        Assert.StartsWith("ElicitationModes must name Form, Url or both.", modes.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ElicitationModes = (McpElicitationModes)4);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.ServerRequestTimeout = TimeSpan.Zero);
    }

    [Fact]
    public void Snapshot_CopiesHandlersAndIdentity_LaterEditsDoNotReachIt()
    {
        var options = new McpServiceOptions();
        McpSamplingHandler sampling = (_, _) => default;
        options.Mcp.SamplingHandler = sampling;
        options.Mcp.ClientName = "first";
        var snapshot = options.Snapshot();
        options.Mcp.ClientName = "second";
        options.Mcp.SamplingHandler = null;
        Assert.Equal("first", snapshot.Mcp.ClientName);
        Assert.Same(sampling, snapshot.Mcp.SamplingHandler);
    }
}
