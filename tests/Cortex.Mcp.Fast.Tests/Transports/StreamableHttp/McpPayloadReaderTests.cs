using System.Text;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class McpPayloadReaderTests
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [InlineData("""{"content":[{"type":"text","text":"x"}]}""", true, false, (int)McpResultType.Complete)]
    [InlineData("""{"content":[],"isError":true}""", true, true, (int)McpResultType.Complete)]
    [InlineData("""{"isError":false,"content":[]}""", true, false, (int)McpResultType.Complete)]
    [InlineData("""{"isError":"true"}""", true, false, (int)McpResultType.Complete)]
    [InlineData("""{"resultType":"complete","content":[]}""", true, false, (int)McpResultType.Complete)]
    [InlineData("""{"resultType":"input_required","inputRequests":{}}""", true, false, (int)McpResultType.InputRequired)]
    [InlineData("""{"resultType":"weird"}""", true, false, (int)McpResultType.Unrecognized)]
    [InlineData("""{"resultType":1}""", true, false, (int)McpResultType.Unrecognized)]
    [InlineData("""[]""", false, false, (int)McpResultType.Complete)]
    [InlineData("""{"isError":tru""", false, false, (int)McpResultType.Complete)]
    [InlineData("", false, false, (int)McpResultType.Complete)]
    public void TryReadToolCallResult_Shapes_ReadIsErrorAndResultType(string result, bool ok, bool isError, int type)
    {
        Assert.Equal(ok, McpPayloadReader.TryReadToolCallResult(U(result), out var info));
        Assert.Equal(isError, info.IsError);
        Assert.Equal((McpResultType)type, info.ResultType);
    }

    [Theory]
    [InlineData("""{"content":[{"type":"text","text":"x"}]}""", true, false, (int)McpResultType.Complete)]
    [InlineData("""{"content":[{"isError":true}],"isError":true}""", true, true, (int)McpResultType.Complete)]
    [InlineData("""{"isError":false,"content":[{"resultType":"weird"}]}""", true, false, (int)McpResultType.Complete)]
    [InlineData("""{"isError":"true"}""", true, false, (int)McpResultType.Complete)]
    [InlineData("""{"resultType":"input_required","inputRequests":{}}""", true, false, (int)McpResultType.InputRequired)]
    [InlineData("""{"resultType":1}""", true, false, (int)McpResultType.Unrecognized)]
    [InlineData("""[]""", false, false, (int)McpResultType.Complete)]
    [InlineData("""7""", false, false, (int)McpResultType.Complete)]
    public void ReplyReader_ReadsIsErrorAndResultTypeInTheSamePass_AsThePayloadReaderWould(string result, bool isObject, bool isError, int type)
    {
        var message = JsonRpcMessageReader.Read(U("""{"jsonrpc":"2.0","id":1,"result":""" + result + "}"));
        Assert.Equal(JsonRpcMessageKind.Result, message.Kind);
        Assert.Equal(isObject, message.ResultIsObject);
        Assert.Equal(isError, message.ResultInfo.IsError);
        Assert.Equal((McpResultType)type, message.ResultInfo.ResultType);
        Assert.Equal(result, Encoding.UTF8.GetString(message.Result));
        if (isObject)
        {
            Assert.True(McpPayloadReader.TryReadToolCallResult(message.Result, out var separately));
            Assert.Equal(separately, message.ResultInfo);
        }
    }

    [Fact]
    public void TryReadProgress_FullParams_ReadsAllMembers()
    {
        Assert.True(McpPayloadReader.TryReadProgress(U("""{"progress":1.5,"total":4,"progressToken":6,"message":"step \u0032"}"""), out var p));
        Assert.Equal(JsonRpcId.FromNumber(6), p.ProgressToken);
        Assert.Equal(1.5, p.Progress);
        Assert.Equal(4.0, p.Total);
        Assert.Equal("step 2", p.Message);
    }

    [Fact]
    public void TryReadProgress_StringTokenNoTotal_ReadsToken()
    {
        Assert.True(McpPayloadReader.TryReadProgress(U("""{"progressToken":"p-5","progress":3}"""), out var p));
        Assert.Equal(JsonRpcId.FromString("p-5"), p.ProgressToken);
        Assert.Null(p.Total);
        Assert.Null(p.Message);
    }

    [Theory]
    [InlineData("""{"progress":1}""")]
    [InlineData("""{"progressToken":1}""")]
    [InlineData("""{"progressToken":null,"progress":1}""")]
    [InlineData("""{"progressToken":1,"progress":"1"}""")]
    [InlineData("""{"progressToken":1,"progress":""")]
    [InlineData("7")]
    public void TryReadProgress_MissingOrBadMembers_ReturnsFalse(string json)
    {
        Assert.False(McpPayloadReader.TryReadProgress(U(json), out _));
    }

    [Fact]
    public void TryReadResourceUpdated_Uri_IsRead()
    {
        Assert.True(McpPayloadReader.TryReadResourceUpdated(U("""{"uri":"demo://resource/dynamic/text/1","title":"x"}"""), out var uri));
        Assert.Equal("demo://resource/dynamic/text/1", uri);
        Assert.False(McpPayloadReader.TryReadResourceUpdated(U("""{"url":"x"}"""), out _));
        Assert.False(McpPayloadReader.TryReadResourceUpdated(U("""{"uri":5}"""), out _));
    }

    [Theory]
    [InlineData("""{"capabilities":{"tools":{}},"protocolVersion":"2025-11-25"}""", true, "2025-11-25")]
    [InlineData("""{"protocolVersion":"2025-03-26","serverInfo":{}}""", true, "2025-03-26")]
    [InlineData("""{"protocolVersion":"2024-11-05"}""", false, null)]
    [InlineData("""{"serverInfo":{}}""", false, null)]
    public void TryReadInitializeProtocolVersion_Result_MapsOntoKnownVersion(string result, bool ok, string? version)
    {
        Assert.Equal(ok, McpPayloadReader.TryReadInitializeProtocolVersion(U(result), out var v));
        Assert.Equal(version, v);
    }
}
