using System.Text;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class JsonRpcMessageReaderTests
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void Read_ResultWithJsonRpcLast_IsResultWithRawResult()
    {
        // Key order as server-everything sends it: result, jsonrpc, id (MCP-WIRE.md §2.1).
        var json = U("""{"result":{"content":[{"type":"text","text":"Echo: hi"}]},"jsonrpc":"2.0","id":3}""");
        var m = JsonRpcMessageReader.Read(json);
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(m.IsResponse);
        Assert.True(m.TryGetNumericId(out var id));
        Assert.Equal(3, id);
        Assert.Equal("""{"content":[{"type":"text","text":"Echo: hi"}]}""", Encoding.UTF8.GetString(m.Result));
        Assert.Equal(McpMethod.None, m.Method);
        Assert.True(m.Params.IsEmpty);
    }

    [Fact]
    public void Read_StringIdThatLooksNumeric_IsNotTheNumber()
    {
        var s = JsonRpcMessageReader.Read(U("""{"jsonrpc":"2.0","id":"1","result":{}}"""));
        var n = JsonRpcMessageReader.Read(U("""{"jsonrpc":"2.0","id":1,"result":{}}"""));
        Assert.Equal(JsonRpcIdKind.String, s.IdKind);
        Assert.False(s.TryGetNumericId(out _));
        Assert.Equal("\"1\"", Encoding.UTF8.GetString(s.RawId));
        Assert.Equal(JsonRpcIdKind.Number, n.IdKind);
        Assert.NotEqual(s.GetId(), n.GetId());
        Assert.Equal(JsonRpcId.FromString("1"), s.GetId());
        Assert.Equal(JsonRpcId.FromNumber(1), n.GetId());
    }

    [Fact]
    public void Read_ServerRequestWithIdZero_IsRequest()
    {
        var m = JsonRpcMessageReader.Read(U("""{"method":"sampling/createMessage","params":{"maxTokens":100},"jsonrpc":"2.0","id":0}"""));
        Assert.Equal(JsonRpcMessageKind.Request, m.Kind);
        Assert.Equal(McpMethod.SamplingCreateMessage, m.Method);
        Assert.True(m.TryGetNumericId(out var id));
        Assert.Equal(0, id);
        Assert.Equal("""{"maxTokens":100}""", Encoding.UTF8.GetString(m.Params));
        Assert.Equal("sampling/createMessage", m.GetMethodName());
        Assert.Equal("sampling/createMessage", Encoding.UTF8.GetString(m.RawMethod));
    }

    [Fact]
    public void Read_PingRequestWithStringId_IsPing()
    {
        var m = JsonRpcMessageReader.Read(U("""{"jsonrpc":"2.0","id":"p\u0031","method":"ping"}"""));
        Assert.Equal(JsonRpcMessageKind.Request, m.Kind);
        Assert.Equal(McpMethod.Ping, m.Method);
        Assert.Equal(JsonRpcId.FromString("p1"), m.GetId());
        Assert.Equal("\"p\\u0031\"", Encoding.UTF8.GetString(m.RawId));
    }

    [Fact]
    public void Read_EscapedMethodName_IsRecognised()
    {
        var m = JsonRpcMessageReader.Read(U("""{"jsonrpc":"2.0","method":"notifications\/progress","params":{}}"""));
        Assert.Equal(JsonRpcMessageKind.Notification, m.Kind);
        Assert.Equal(McpMethod.Progress, m.Method);
        Assert.Equal("notifications/progress", m.GetMethodName());
    }

    [Fact]
    public void Read_UnknownMethod_IsOtherWithName()
    {
        var m = JsonRpcMessageReader.Read(U("""{"jsonrpc":"2.0","method":"notifications/custom/thing"}"""));
        Assert.Equal(JsonRpcMessageKind.Notification, m.Kind);
        Assert.Equal(McpMethod.Other, m.Method);
        Assert.Equal("notifications/custom/thing", m.GetMethodName());
    }

    [Fact]
    public void Read_ErrorWithData_ExposesCodeMessageAndData()
    {
        var m = JsonRpcMessageReader.Read(U("""{"jsonrpc":"2.0","id":1,"error":{"code":-32022,"message":"Unsupported protocol version","data":{"supported":["2026-07-28","2025-11-25"],"requested":"1900-01-01"}}}"""));
        Assert.Equal(JsonRpcMessageKind.Error, m.Kind);
        Assert.Equal(-32022, m.ErrorCode);
        Assert.Equal(McpErrorKind.UnsupportedProtocolVersion, m.ErrorKind);
        Assert.Equal("Unsupported protocol version", m.GetErrorMessage());
        Assert.StartsWith("{\"supported\"", Encoding.UTF8.GetString(m.ErrorData), StringComparison.Ordinal);
        Assert.True(McpProtocolVersions.TrySelectFromUnsupportedVersionData(m.ErrorData, out var v));
        Assert.Equal("2026-07-28", v);
        Assert.StartsWith("{\"code\"", Encoding.UTF8.GetString(m.Error), StringComparison.Ordinal);
        Assert.EndsWith("}}", Encoding.UTF8.GetString(m.Error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}""", (int)JsonRpcIdKind.None)]
    [InlineData("""{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}""", (int)JsonRpcIdKind.Null)]
    public void Read_ErrorWithoutUsableId_IsStillError(string json, int idKind)
    {
        var m = JsonRpcMessageReader.Read(U(json));
        Assert.Equal(JsonRpcMessageKind.Error, m.Kind);
        Assert.Equal((JsonRpcIdKind)idKind, m.IdKind);
        Assert.Equal(McpErrorKind.ImplementationDefined, m.ErrorKind);
    }

    [Theory]
    [InlineData("{}")] // server-everything replays a stored priming payload like this
    [InlineData("""{"jsonrpc":"1.0","id":1,"result":{}}""")]
    [InlineData("""{"id":1,"result":{}}""")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void Read_ValidJsonNotJsonRpc_IsNotJsonRpc(string json)
    {
        Assert.Equal(JsonRpcMessageKind.NotJsonRpc, JsonRpcMessageReader.Read(U(json)).Kind);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}""")]
    [InlineData("""{"jsonrpc":"2.0","result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":{"a":1},"result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":true,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"method":"ping"}""")]
    [InlineData("""{"jsonrpc":"2.0","method":7}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":{"code":"x","message":"m"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":"boom"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0"}""")]
    public void Read_BrokenEnvelope_IsMalformed(string json)
    {
        Assert.Equal(JsonRpcMessageKind.Malformed, JsonRpcMessageReader.Read(U(json)).Kind);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{}} x""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{}}{}""")]
    [InlineData("""{'jsonrpc':'2.0'}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{},}""")]
    [InlineData("<html><body>Cannot PUT /mcp</body></html>")]
    public void Read_InvalidJson_IsInvalidJsonWithoutThrowing(string json)
    {
        Assert.Equal(JsonRpcMessageKind.InvalidJson, JsonRpcMessageReader.Read(U(json)).Kind);
    }

    [Fact]
    public void Read_InvalidUtf8_IsInvalidJson()
    {
        byte[] json = [.. U("""{"jsonrpc":"2.0","id":1,"result":{"t":" """), 0xC3, 0x28, .. U("\"}}")];
        Assert.Equal(JsonRpcMessageKind.InvalidJson, JsonRpcMessageReader.Read(json).Kind);
    }

    [Fact]
    public void Read_TooDeep_IsTooDeep()
    {
        var deep = """{"jsonrpc":"2.0","id":1,"result":""" + new string('[', 200) + new string(']', 200) + "}";
        Assert.Equal(JsonRpcMessageKind.TooDeep, JsonRpcMessageReader.Read(U(deep)).Kind);
    }

    [Fact]
    public void Read_DeepButWithinLimit_IsResult()
    {
        // The envelope is depth 1, result opens at depth 1; 60 more levels stay under 64.
        var deep = """{"jsonrpc":"2.0","id":1,"result":""" + new string('[', 60) + new string(']', 60) + "}";
        Assert.Equal(JsonRpcMessageKind.Result, JsonRpcMessageReader.Read(U(deep)).Kind);
    }

    [Fact]
    public void Read_TooDeepAndBroken_IsNotAnException()
    {
        var json = U(new string('[', 500));
        var kind = JsonRpcMessageReader.Read(json).Kind;
        Assert.True(kind is JsonRpcMessageKind.TooDeep or JsonRpcMessageKind.InvalidJson);
    }

    [Fact]
    public void Read_UnknownMembersAndDuplicates_AreSkippedLastWins()
    {
        var m = JsonRpcMessageReader.Read(U("""{"x":{"y":[1,2,{"z":null}]},"jsonrpc":"2.0","id":1,"id":2,"result":{"a":1},"_meta":{}}"""));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(m.TryGetNumericId(out var id));
        Assert.Equal(2, id);
    }

    [Theory]
    [InlineData("1.0")]
    [InlineData("1e3")]
    [InlineData("123456789012345678901234567890")]
    public void Read_NumericIdThatIsNotLong_IsKeptAsRawNumber(string rawId)
    {
        var m = JsonRpcMessageReader.Read(U("{\"jsonrpc\":\"2.0\",\"id\":" + rawId + ",\"method\":\"ping\"}"));
        Assert.Equal(JsonRpcMessageKind.Request, m.Kind);
        Assert.Equal(JsonRpcIdKind.Number, m.IdKind);
        Assert.False(m.TryGetNumericId(out _));
        Assert.Equal(rawId, m.GetId().ToString());
    }

    [Fact]
    public void EnumerateBatch_Array_ClassifiesEachElement()
    {
        var json = U("""[{"result":{},"jsonrpc":"2.0","id":40}, {"result":{"content":[]},"jsonrpc":"2.0","id":41} ,{"jsonrpc":"2.0","method":"notifications/progress","params":{}}, 5]""");
        Assert.Equal(JsonRpcMessageKind.Batch, JsonRpcMessageReader.Read(json).Kind);
        var kinds = new List<JsonRpcMessageKind>();
        var ids = new List<long>();
        foreach (var element in JsonRpcMessageReader.EnumerateBatch(json))
        {
            kinds.Add(element.Kind);
            if (element.TryGetNumericId(out var id))
            {
                ids.Add(id);
            }
        }

        Assert.Equal([JsonRpcMessageKind.Result, JsonRpcMessageKind.Result, JsonRpcMessageKind.Notification, JsonRpcMessageKind.NotJsonRpc], kinds);
        Assert.Equal([40L, 41L], ids);
    }

    [Theory]
    [InlineData("[1,2", (int)JsonRpcMessageKind.InvalidJson, 2)]
    [InlineData("[]", (int)JsonRpcMessageKind.Batch, 0)]
    [InlineData("{}", (int)JsonRpcMessageKind.NotJsonRpc, 0)]
    public void EnumerateBatch_BrokenEmptyOrNotArray_StopsWithoutThrowing(string json, int kind, int maxElements)
    {
        Assert.Equal((JsonRpcMessageKind)kind, JsonRpcMessageReader.Read(U(json)).Kind);
        var count = 0;
        foreach (var element in JsonRpcMessageReader.EnumerateBatch(U(json)))
        {
            Assert.Equal(JsonRpcMessageKind.NotJsonRpc, element.Kind);
            count++;
        }

        Assert.InRange(count, 0, maxElements);
    }

    [Fact]
    public void Read_Result_DoesNotAllocate()
    {
        var json = U("""{"result":{"content":[{"type":"text","text":"The sum of 2 and 3 is 5."}]},"jsonrpc":"2.0","id":3}""");
        for (var i = 0; i < 10; i++)
        {
            _ = JsonRpcMessageReader.Read(json).Kind; // warm up
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        long sum = 0;
        for (var i = 0; i < 1000; i++)
        {
            var m = JsonRpcMessageReader.Read(json);
            m.TryGetNumericId(out var id);
            McpPayloadReader.TryReadToolCallResult(m.Result, out var info);
            sum += id + m.Result.Length + (info.IsError ? 1 : 0);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(sum > 0);
    }
}
