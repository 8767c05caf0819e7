using System.Buffers;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class JsonRpcRequestWriterTests
{
    private static readonly McpClientIdentity s_identity = new("cortex-test", "1.2.3");

    private static string Write(Action<JsonRpcRequestWriter, IBufferWriter<byte>> write, string version = "2025-11-25", McpClientIdentity? identity = null)
    {
        using var writer = new JsonRpcRequestWriter(identity ?? s_identity, version);
        var buffer = new ArrayBufferWriter<byte>();
        write(writer, buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void WriteInitialize_NoCapabilities_MatchesSpecShape()
    {
        var json = Write((w, o) => w.WriteInitialize(o, 1, McpProtocolVersions.LatestWithHandshake));
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"cortex-test","version":"1.2.3"}}}""", json);
    }

    [Fact]
    public void WriteInitialize_AllCapabilities_DeclaresEach()
    {
        var identity = new McpClientIdentity("c", "1", McpClientCapabilities.RootsListChanged | McpClientCapabilities.Sampling | McpClientCapabilities.Elicitation);
        var json = Write((w, o) => w.WriteInitialize(o, 1, "2025-06-18"), identity: identity);
        Assert.Contains("""
            "capabilities":{"roots":{"listChanged":true},"sampling":{},"elicitation":{}}
            """, json, StringComparison.Ordinal);
        var rootsOnly = Write((w, o) => w.WriteInitialize(o, 1, "2025-06-18"), identity: new McpClientIdentity("c", "1", McpClientCapabilities.Roots));
        Assert.Contains("\"capabilities\":{\"roots\":{}}", rootsOnly, StringComparison.Ordinal);
    }

    [Fact]
    public void WriteInitializedNotification_Always_HasNoId()
    {
        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", Write((w, o) => w.WriteInitializedNotification(o)));
    }

    [Fact]
    public void WriteToolsCall_ArgumentsAndProgressToken_WritesRawArgumentsAndMeta()
    {
        var json = Write((w, o) => w.WriteToolsCall(o, 5, "trigger-long-running-operation", """{"duration":2,"steps":4}"""u8, progressToken: 5));
        Assert.Equal("""{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"trigger-long-running-operation","arguments":{"duration":2,"steps":4},"_meta":{"progressToken":5}}}""", json);
    }

    [Fact]
    public void WriteToolsCall_EmptyArguments_WritesEmptyObjectAndNoMeta()
    {
        var json = Write((w, o) => w.WriteToolsCall(o, 2, "get-env", ReadOnlySpan<byte>.Empty));
        Assert.Equal("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get-env","arguments":{}}}""", json);
    }

    [Fact]
    public void WriteToolsCall_NameNeedingEscapes_IsEscaped()
    {
        var json = Write((w, o) => w.WriteToolsCall(o, 2, "a\"b", "{}"u8));
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("a\"b", doc.RootElement.GetProperty("params").GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"x\"")]
    [InlineData("{\"a\":1}{\"b\":2}")]
    [InlineData("{\"a\":1},\"injected\":{")]
    [InlineData("{\"a\":")]
    [InlineData("null")]
    public void WriteToolsCall_ArgumentsNotOneObject_ThrowsArgumentExceptionAndWritesNothing(string args)
    {
        using var writer = new JsonRpcRequestWriter(s_identity, "2025-11-25");
        var buffer = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => writer.WriteToolsCall(buffer, 1, "echo", Encoding.UTF8.GetBytes(args)));
        Assert.Equal(0, buffer.WrittenCount);
    }

    [Fact]
    public void WriteToolsCall_TooDeepArguments_Throws()
    {
        using var writer = new JsonRpcRequestWriter(s_identity, "2025-11-25");
        var args = "{\"a\":" + new string('[', 100) + new string(']', 100) + "}";
        Assert.Throws<ArgumentException>(() => writer.WriteToolsCall(new ArrayBufferWriter<byte>(), 1, "echo", Encoding.UTF8.GetBytes(args)));
    }

    [Fact]
    public void WriteToolsList_WithAndWithoutCursor_WritesParams()
    {
        Assert.Equal("""{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}""", Write((w, o) => w.WriteToolsList(o, 2)));
        Assert.Equal("""{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"abc"}}""", Write((w, o) => w.WriteToolsList(o, 3, "abc")));
    }

    [Fact]
    public void WriteResources_Uri_WritesEachMethod()
    {
        Assert.Equal("""{"jsonrpc":"2.0","id":9,"method":"resources/read","params":{"uri":"demo://resource/dynamic/text/1"}}""",
            Write((w, o) => w.WriteResourcesRead(o, 9, "demo://resource/dynamic/text/1")));
        Assert.Equal("""{"jsonrpc":"2.0","id":10,"method":"resources/subscribe","params":{"uri":"demo://x"}}""",
            Write((w, o) => w.WriteResourcesSubscribe(o, 10, "demo://x")));
        Assert.Equal("""{"jsonrpc":"2.0","id":11,"method":"resources/unsubscribe","params":{"uri":"demo://x"}}""",
            Write((w, o) => w.WriteResourcesUnsubscribe(o, 11, "demo://x")));
    }

    [Fact]
    public void WritePing_Legacy_HasNoParams()
    {
        Assert.Equal("""{"jsonrpc":"2.0","id":4,"method":"ping"}""", Write((w, o) => w.WritePing(o, 4)));
    }

    [Fact]
    public void WriteToolsCall_Stateless2026_CarriesRequestMetadata()
    {
        var json = Write((w, o) => w.WriteToolsCall(o, 1, "get_weather", """{"location":"Seattle, WA"}"""u8, progressToken: 7), version: "2026-07-28");
        using var doc = JsonDocument.Parse(json);
        var meta = doc.RootElement.GetProperty("params").GetProperty("_meta");
        Assert.Equal(7, meta.GetProperty("progressToken").GetInt64());
        Assert.Equal("2026-07-28", meta.GetProperty("io.modelcontextprotocol/protocolVersion").GetString());
        Assert.Equal("cortex-test", meta.GetProperty("io.modelcontextprotocol/clientInfo").GetProperty("name").GetString());
        Assert.Equal("1.2.3", meta.GetProperty("io.modelcontextprotocol/clientInfo").GetProperty("version").GetString());
        Assert.Equal(JsonValueKind.Object, meta.GetProperty("io.modelcontextprotocol/clientCapabilities").ValueKind);
        var ping = Write((w, o) => w.WritePing(o, 2), version: "2026-07-28");
        Assert.Contains("\"params\":{\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\"", ping, StringComparison.Ordinal);
    }

    [Fact]
    public void ProtocolVersion_ChangedAfterNegotiation_SwitchesMetadataOff()
    {
        using var writer = new JsonRpcRequestWriter(s_identity, "2026-07-28");
        writer.ProtocolVersion = "2025-11-25";
        var buffer = new ArrayBufferWriter<byte>();
        writer.WriteToolsList(buffer, 1);
        Assert.Equal("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""", Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void WriteCancelledNotification_WithReason_MatchesSpecShape()
    {
        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":2,"reason":"caller cancelled"}}""",
            Write((w, o) => w.WriteCancelledNotification(o, 2, "caller cancelled")));
        Assert.Equal("""{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":3}}""",
            Write((w, o) => w.WriteCancelledNotification(o, 3)));
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":0,"method":"ping"}""", """{"jsonrpc":"2.0","id":0,"result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"0","method":"ping"}""", """{"jsonrpc":"2.0","id":"0","result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"a\u00e9\"b","method":"ping"}""", """{"jsonrpc":"2.0","id":"a\u00e9\"b","result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1e3,"method":"ping"}""", """{"jsonrpc":"2.0","id":1e3,"result":{}}""")]
    public void WritePingResult_ServerId_IsEchoedExactly(string request, string expected)
    {
        var m = JsonRpcMessageReader.Read(Encoding.UTF8.GetBytes(request));
        Assert.Equal(McpMethod.Ping, m.Method);
        var rawId = m.RawId.ToArray();
        Assert.Equal(expected, Write((w, o) => w.WritePingResult(o, rawId)));
        var id = m.GetId();
        var viaId = Write((w, o) => w.WritePingResult(o, id));
        // Via the stored id the value is identical, though a string may be re-escaped differently.
        using var a = JsonDocument.Parse(expected);
        using var b = JsonDocument.Parse(viaId);
        Assert.Equal(a.RootElement.GetProperty("id").ValueKind, b.RootElement.GetProperty("id").ValueKind);
        Assert.Equal(a.RootElement.GetProperty("id").ToString(), b.RootElement.GetProperty("id").ToString());
    }

    [Fact]
    public void WriteMethodNotFound_ServerRequest_EchoesIdWithMinus32601()
    {
        var m = JsonRpcMessageReader.Read("""{"method":"sampling/createMessage","params":{},"jsonrpc":"2.0","id":0}"""u8);
        var expected = """{"jsonrpc":"2.0","id":0,"error":{"code":-32601,"message":"Method not found"}}""";
        var rawId = m.RawId.ToArray();
        Assert.Equal(expected, Write((w, o) => w.WriteMethodNotFound(o, rawId)));
        var id = m.GetId();
        Assert.Equal(expected, Write((w, o) => w.WriteMethodNotFound(o, id)));
        Assert.Equal("""{"jsonrpc":"2.0","id":"x","error":{"code":-32603,"message":"nope"}}""",
            Write((w, o) => w.WriteErrorResponse(o, JsonRpcId.FromString("x"), -32603, "nope")));
    }

    [Fact]
    public void WritePingResult_NoId_Throws()
    {
        using var writer = new JsonRpcRequestWriter(s_identity, "2025-11-25");
        Assert.Throws<ArgumentException>(() => writer.WritePingResult(new ArrayBufferWriter<byte>(), default(JsonRpcId)));
        Assert.Throws<ArgumentException>(() => writer.WritePingResult(new ArrayBufferWriter<byte>(), ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void Writer_ReusedAcrossMessages_DoesNotAllocate()
    {
        using var writer = new JsonRpcRequestWriter(s_identity, "2025-11-25");
        var buffer = new ArrayBufferWriter<byte>(4096);
        var args = """{"a":2,"b":3}"""u8.ToArray();
        for (var i = 0; i < 10; i++)
        {
            buffer.ResetWrittenCount();
            writer.WriteToolsCall(buffer, i, "get-sum", args, progressToken: i);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            buffer.ResetWrittenCount();
            writer.WriteToolsCall(buffer, i, "get-sum", args, progressToken: i);
            buffer.ResetWrittenCount();
            writer.WriteCancelledNotification(buffer, i);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Writer_OutputThenReader_RoundTripsAsRequest()
    {
        using var writer = new JsonRpcRequestWriter(s_identity, "2025-11-25");
        var buffer = new ArrayBufferWriter<byte>();
        writer.WriteToolsCall(buffer, 42, "echo", """{"message":"hi"}"""u8);
        var m = JsonRpcMessageReader.Read(buffer.WrittenSpan);
        Assert.Equal(JsonRpcMessageKind.Request, m.Kind);
        Assert.True(m.TryGetNumericId(out var id));
        Assert.Equal(42, id);
        Assert.Equal("tools/call", m.GetMethodName());
    }
}
