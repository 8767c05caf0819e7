using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Operations;

namespace Cortex.Mcp.Fast.Tests.Operations;

/// <summary>Reading the results of the MCP operations, including what hostile or sloppy servers send.</summary>
public sealed class McpResultParsersTests
{
    private static ReadOnlyMemory<byte> Utf8(string json) => Encoding.UTF8.GetBytes(json);

    [Fact]
    public void ToolsPage_ReadsEveryMember_AndTitleFallsBackToAnnotations()
    {
        var page = McpResultParsers.ToolsPage(Utf8("""
            {"tools":[
              {"name":"a","title":"A","description":"d","inputSchema":{"type":"object"},"outputSchema":{"type":"object","properties":{"x":{}}},
               "annotations":{"title":"ignored","readOnlyHint":true,"destructiveHint":false,"openWorldHint":"yes"},"_meta":{"k":1}},
              {"name":"b","annotations":{"title":"B title"}},
              {"description":"nameless"},
              {"name":7},
              "junk"
            ],"nextCursor":"n2"}
            """));
        Assert.Equal("n2", page.NextCursor);
        Assert.Equal(["a", "b"], page.Items.Select(t => t.Name));
        var a = page.Items[0];
        Assert.Equal("A", a.Title);
        Assert.Equal("d", a.Description);
        Assert.Equal("object", a.InputSchema.GetProperty("type").GetString());
        Assert.True(a.OutputSchema!.Value.GetProperty("properties").TryGetProperty("x", out _));
        Assert.True(a.Annotations!.ReadOnlyHint);
        Assert.False(a.Annotations.DestructiveHint);
        Assert.Null(a.Annotations.IdempotentHint);
        Assert.Null(a.Annotations.OpenWorldHint); // not a boolean: treated as absent
        Assert.Equal(1, a.Meta!.Value.GetProperty("k").GetInt32());
        Assert.Equal("B title", page.Items[1].Title);
        Assert.Null(page.Items[1].OutputSchema);
        Assert.Null(page.Items[1].Meta);
    }

    [Fact]
    public void Pages_KeptElements_OutliveTheSourceBuffer()
    {
        var bytes = Encoding.UTF8.GetBytes("""{"tools":[{"name":"a","inputSchema":{"type":"object"}}]}""");
        var page = McpResultParsers.ToolsPage(bytes);
        Array.Clear(bytes); // the pooled reply goes back to the pool after parsing
        Assert.Equal("object", page.Items[0].InputSchema.GetProperty("type").GetString());
    }

    [Fact]
    public void ResourcesAndTemplates_SkipIncompleteItems()
    {
        var resources = McpResultParsers.ResourcesPage(Utf8("""{"resources":[{"uri":"a://1","name":"one","size":12,"mimeType":"text/plain","annotations":{"priority":1}},{"uri":"a://2"},{"name":"x"}]}"""));
        var one = Assert.Single(resources.Items);
        Assert.Equal(12, one.Size);
        Assert.Equal("text/plain", one.MimeType);
        Assert.Equal(1, one.Annotations!.Value.GetProperty("priority").GetInt32());
        Assert.Null(resources.NextCursor);

        var templates = McpResultParsers.ResourceTemplatesPage(Utf8("""{"resourceTemplates":[{"uriTemplate":"a://{n}","name":"t","title":"T"}]}"""));
        Assert.Equal("T", Assert.Single(templates.Items).Title);
    }

    [Theory]
    [InlineData("""{"tools":{}}""")]
    [InlineData("""{"items":[]}""")]
    [InlineData("""[]""")]
    [InlineData("""{"tools":[""")]
    public void ToolsPage_WithoutList_IsProtocolFailure(string json)
    {
        var failure = Assert.Throws<TransportFailure>(() => McpResultParsers.ToolsPage(Utf8(json)));
        Assert.Equal(FailureShape.Protocol, failure.Shape);
    }

    [Fact]
    public void TooDeep_IsProtocolFailure()
    {
        var deep = "{\"prompts\":[" + new string('[', 100) + new string(']', 100) + "]}";
        Assert.Equal(FailureShape.Protocol, Assert.Throws<TransportFailure>(() => McpResultParsers.PromptsPage(Utf8(deep))).Shape);
    }

    [Fact]
    public void Prompts_ReadArgumentsAndMessages()
    {
        var prompts = McpResultParsers.PromptsPage(Utf8("""{"prompts":[{"name":"p","arguments":[{"name":"a","required":true,"title":"A"},{"name":"b"},{"required":true}]}]}"""));
        var p = Assert.Single(prompts.Items);
        Assert.Equal(["a", "b"], p.Arguments.Select(a => a.Name));
        Assert.True(p.Arguments[0].Required);
        Assert.False(p.Arguments[1].Required);

        var result = McpResultParsers.Prompt(Utf8("""{"description":"d","messages":[{"role":"user","content":{"type":"text","text":"hi"}},{"role":"assistant","content":{"type":"image","data":"AA==","mimeType":"image/png"}},{"role":"user"}]}"""));
        Assert.Equal("d", result.Description);
        Assert.Equal(2, result.Messages.Count);
        Assert.Equal("hi", result.Messages[0].Text);
        Assert.Equal("image", result.Messages[1].ContentType);
        Assert.Null(result.Messages[1].Text);
        Assert.Equal("image/png", result.Messages[1].Content.GetProperty("mimeType").GetString());
        Assert.Equal(FailureShape.Protocol, Assert.Throws<TransportFailure>(() => McpResultParsers.Prompt(Utf8("""{"description":"no messages"}"""))).Shape);
    }

    [Fact]
    public void Completion_ReadsValuesTotalAndHasMore()
    {
        var c = McpResultParsers.Completion(Utf8("""{"completion":{"values":["a",1,"b"],"total":9,"hasMore":true}}"""));
        Assert.Equal(["a", "b"], c.Values);
        Assert.Equal(9, c.Total);
        Assert.True(c.HasMore);
        Assert.Equal(FailureShape.Protocol, Assert.Throws<TransportFailure>(() => McpResultParsers.Completion(Utf8("""{"completion":{}}"""))).Shape);
    }

    [Fact]
    public void ServerInfo_ReadsIdentityInstructionsAndCapabilities()
    {
        var info = McpResultParsers.ReadServerInfo(Utf8("""
            {"protocolVersion":"2025-06-18","capabilities":{"tools":{},"resources":{"subscribe":true},"prompts":{"listChanged":true},"completions":{},"experimental":{"x":{}}},
             "serverInfo":{"name":"s","version":"9","title":"S"},"instructions":"be nice"}
            """), "2025-06-18");
        Assert.Equal(("s", "9", "S", "be nice", "2025-06-18"), (info.Name, info.Version, info.Title, info.Instructions, info.ProtocolVersion));
        var caps = info.Capabilities;
        Assert.True(caps.Tools);
        Assert.False(caps.ToolsListChanged);
        Assert.True(caps.ResourcesSubscribe);
        Assert.False(caps.ResourcesListChanged);
        Assert.True(caps.PromptsListChanged);
        Assert.False(caps.Logging);
        Assert.True(caps.Completions);
        Assert.True(caps.Json.GetProperty("experimental").TryGetProperty("x", out _));
    }

    [Fact]
    public void ServerInfo_Missing_IsEmptyButVersioned()
    {
        var info = McpResultParsers.ReadServerInfo(Utf8("""{"protocolVersion":"2025-11-25"}"""), "2025-11-25");
        Assert.Equal(string.Empty, info.Name);
        Assert.False(info.Capabilities.Tools);
        Assert.Equal(JsonValueKind.Undefined, info.Capabilities.Json.ValueKind);
    }
}
