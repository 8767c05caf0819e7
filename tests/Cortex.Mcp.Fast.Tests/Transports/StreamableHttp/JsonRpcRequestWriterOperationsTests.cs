using System.Buffers;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Operations;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

/// <summary>The request bodies of the MCP operations: params, caller _meta, W3C trace context, 2026-07-28 metadata.</summary>
public sealed class JsonRpcRequestWriterOperationsTests
{
    private static readonly McpClientIdentity s_identity = new("cortex-test", "1.2.3");

    private static string Write<TState>(McpRequest request, TState state, McpParamsWriter<TState>? writeParams, string version = "2025-11-25")
    {
        using var writer = new JsonRpcRequestWriter(s_identity, version);
        var buffer = new ArrayBufferWriter<byte>();
        writer.WriteRequest(buffer, 5, request, state, writeParams);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static McpRequestOptions NoTrace { get; } = new() { PropagateTraceContext = false };

    [Fact]
    public void ListPage_WithCursor_WritesCursorOnly()
    {
        Assert.Equal(
            """{"jsonrpc":"2.0","id":5,"method":"resources/list","params":{"cursor":"abc"}}""",
            Write(new McpRequest(McpMethodName.ResourcesList, null, NoTrace), "abc", McpParams.List));
        Assert.Equal(
            """{"jsonrpc":"2.0","id":5,"method":"prompts/list","params":{}}""",
            Write(new McpRequest(McpMethodName.PromptsList, null, NoTrace), (string?)null, McpParams.List));
    }

    [Fact]
    public void GetPrompt_WritesNameAndStringArguments_Escaped()
    {
        var json = Write(new McpRequest(McpMethodName.PromptsGet, "p", NoTrace), new McpParams.PromptGet("p\"1", new Dictionary<string, string> { ["city"] = "Paris \"FR\"" }), McpParams.GetPrompt);
        using var doc = JsonDocument.Parse(json);
        var p = doc.RootElement.GetProperty("params");
        Assert.Equal("p\"1", p.GetProperty("name").GetString());
        Assert.Equal("Paris \"FR\"", p.GetProperty("arguments").GetProperty("city").GetString());
    }

    [Fact]
    public void Complete_PromptAndResourceReferences_MatchSpecShape()
    {
        Assert.Equal(
            """{"jsonrpc":"2.0","id":5,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"greet"},"argument":{"name":"a","value":"x"},"context":{"arguments":{"b":"y"}}}}""",
            Write(new McpRequest(McpMethodName.CompletionComplete, null, NoTrace), new McpParams.Complete(McpCompletionReference.ForPrompt("greet"), "a", "x", new Dictionary<string, string> { ["b"] = "y" }), McpParams.Completion));
        Assert.Equal(
            """{"jsonrpc":"2.0","id":5,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"f://{n}"},"argument":{"name":"n","value":""}}}""",
            Write(new McpRequest(McpMethodName.CompletionComplete, null, NoTrace), new McpParams.Complete(McpCompletionReference.ForResourceTemplate("f://{n}"), "n", "", null), McpParams.Completion));
    }

    [Theory]
    [InlineData(McpLoggingLevel.Debug, "debug")]
    [InlineData(McpLoggingLevel.Warning, "warning")]
    [InlineData(McpLoggingLevel.Emergency, "emergency")]
    public void SetLevel_WritesWireName(McpLoggingLevel level, string wire) =>
        Assert.Equal(
            $$$"""{"jsonrpc":"2.0","id":5,"method":"logging/setLevel","params":{"level":"{{{wire}}}"}}""",
            Write(new McpRequest(McpMethodName.LoggingSetLevel, null, NoTrace), level, McpParams.SetLevel));

    [Fact]
    public void CallerMetaAndTraceContext_GoIntoParamsMeta()
    {
        using var activity = new Activity("t").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "k=v";
        var options = new McpRequestOptions { Meta = JsonDocument.Parse("""{"x/y":{"n":1}}""").RootElement };
        var json = Write(new McpRequest(McpMethodName.Ping, null, options), 0, null);
        Assert.Equal(
            $$$$"""{"jsonrpc":"2.0","id":5,"method":"ping","params":{"_meta":{"x/y":{"n":1},"traceparent":"{{{{activity.Id}}}}","tracestate":"k=v"}}}""",
            json);
    }

    [Fact]
    public void NoActivity_NoMeta_WritesNoMetaObject()
    {
        Assert.Null(Activity.Current);
        Assert.DoesNotContain("_meta", Write(new McpRequest(McpMethodName.Ping, null, null), 0, null), StringComparison.Ordinal);
    }

    [Fact]
    public void HierarchicalActivity_IsNotWrittenAsTraceparent()
    {
        using var activity = new Activity("t").SetIdFormat(ActivityIdFormat.Hierarchical).Start();
        Assert.DoesNotContain("traceparent", Write(new McpRequest(McpMethodName.Ping, null, null), 0, null), StringComparison.Ordinal);
    }

    [Fact]
    public void StatelessRevision_AddsProtocolMetadata()
    {
        var json = Write(new McpRequest(McpMethodName.PromptsList, null, NoTrace), (string?)null, McpParams.List, McpProtocolVersions.V2026_07_28);
        using var doc = JsonDocument.Parse(json);
        var meta = doc.RootElement.GetProperty("params").GetProperty("_meta");
        Assert.Equal(McpProtocolVersions.V2026_07_28, meta.GetProperty("io.modelcontextprotocol/protocolVersion").GetString());
        Assert.Equal("cortex-test", meta.GetProperty("io.modelcontextprotocol/clientInfo").GetProperty("name").GetString());
    }

    [Fact]
    public void MetaNotAnObject_Throws()
    {
        var options = new McpRequestOptions { Meta = JsonDocument.Parse("\"x\"").RootElement };
        Assert.Throws<ArgumentException>(() => Write(new McpRequest(McpMethodName.Ping, null, options), 0, null));
    }
}
