using System.Buffers;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class ServerRequestCodecTests
{
    private const string DefaultsSchema = """
        {"type":"object","properties":{
          "name":{"type":"string","default":"John Doe"},
          "age":{"type":"integer","default":30},
          "score":{"type":"number","default":95.5},
          "status":{"type":"string","enum":["active","inactive"],"default":"active"},
          "verified":{"type":"boolean","default":true},
          "tags":{"type":"array","items":{"type":"string"},"default":["a"]},
          "bad":{"type":"object","default":{"x":1}},
          "plain":{"type":"string"}},"required":[]}
        """;

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static McpElicitationRequest Form(string schema = DefaultsSchema) =>
        ServerRequestCodec.ReadElicitation("svc", Encoding.UTF8.GetBytes($$"""{"message":"m","requestedSchema":{{schema}}}"""));

    [Fact]
    public void ReadSampling_FullParams_ReadsEveryTypedField()
    {
        var request = ServerRequestCodec.ReadSampling("svc", """
            {"messages":[{"role":"user","content":{"type":"text","text":"hi"}},
                         {"role":"assistant","content":[{"type":"image","data":"AAA=","mimeType":"image/png"},{"type":"text","text":"x"}]}],
             "maxTokens":100,"systemPrompt":"be brief","temperature":0.7,"stopSequences":["\n\n"],"includeContext":"thisServer",
             "modelPreferences":{"hints":[{"name":"claude"},{"name":"gpt"}],"costPriority":0.2,"intelligencePriority":0.9},
             "metadata":{"k":1}}
            """u8);

        Assert.Equal("svc", request.Service);
        Assert.Equal(2, request.Messages.Count);
        Assert.Equal("user", request.Messages[0].Role);
        Assert.Equal("hi", Assert.Single(request.Messages[0].Content).Text);
        Assert.Equal(["image", "text"], request.Messages[1].Content.Select(c => c.Type));
        Assert.Equal("image/png", request.Messages[1].Content[0].MimeType);
        Assert.Equal("AAA=", request.Messages[1].Content[0].Data);
        Assert.Equal(100, request.MaxTokens);
        Assert.Equal("be brief", request.SystemPrompt);
        Assert.Equal(0.7, request.Temperature);
        Assert.Equal(["\n\n"], request.StopSequences);
        Assert.Equal("thisServer", request.IncludeContext);
        Assert.Equal(["claude", "gpt"], request.ModelPreferences!.Hints);
        Assert.Equal(0.2, request.ModelPreferences.CostPriority);
        Assert.Null(request.ModelPreferences.SpeedPriority);
        Assert.Equal(1, request.Params.GetProperty("metadata").GetProperty("k").GetInt32());
    }

    [Theory]
    [InlineData("""{"messages":[]}""")]
    [InlineData("""{"maxTokens":5}""")]
    [InlineData("""{"messages":[{"role":"user"}],"maxTokens":5}""")]
    [InlineData("""{"messages":[{"content":{"type":"text","text":"x"}}],"maxTokens":5}""")]
    [InlineData("""{"messages":[],"maxTokens":"5"}""")]
    [InlineData("""[1]""")]
    [InlineData("""{"messages":""")]
    [InlineData("")]
    public void ReadSampling_Malformed_ThrowsFormatException(string json)
    {
        Assert.Throws<FormatException>(() => ServerRequestCodec.ReadSampling("svc", Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void ReadElicitation_NoMode_IsFormWithSchema()
    {
        var request = Form();
        Assert.Equal(McpElicitationMode.Form, request.Mode);
        Assert.Equal("m", request.Message);
        Assert.Equal(JsonValueKind.Object, request.RequestedSchema.GetProperty("properties").ValueKind);
        Assert.Null(request.Url);
    }

    [Fact]
    public void ReadElicitation_UrlMode_ReadsUrlAndId()
    {
        var request = ServerRequestCodec.ReadElicitation("svc", """{"mode":"url","message":"go","url":"https://example.test/auth","elicitationId":"e-1"}"""u8);
        Assert.Equal(McpElicitationMode.Url, request.Mode);
        Assert.Equal("https://example.test/auth", request.Url);
        Assert.Equal("e-1", request.ElicitationId);
        Assert.Equal(JsonValueKind.Undefined, request.RequestedSchema.ValueKind);
    }

    [Theory]
    [InlineData("""{"mode":"form","message":"m"}""")]
    [InlineData("""{"mode":"url","message":"m","url":"not a url","elicitationId":"e"}""")]
    [InlineData("""{"mode":"url","message":"m","url":"https://x.test/"}""")]
    [InlineData("""{"mode":"voice","message":"m","requestedSchema":{}}""")]
    [InlineData("""{"requestedSchema":{}}""")]
    public void ReadElicitation_Malformed_ThrowsFormatException(string json)
    {
        Assert.Throws<FormatException>(() => ServerRequestCodec.ReadElicitation("svc", Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void WriteElicitationResult_ApplyDefaults_FillsEveryUnsetPrimitiveDefault_HandlerValuesWin()
    {
        var request = Form();
        var result = McpElicitationResult.Accept(new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("Ada") });

        var json = Write(w => ServerRequestCodec.WriteElicitationResult(w, request, result, applyDefaults: true));

        Assert.Equal("""{"action":"accept","content":{"name":"Ada","age":30,"score":95.5,"status":"active","verified":true,"tags":["a"]}}""", json);
    }

    [Fact]
    public void WriteElicitationResult_DefaultsOff_SendsOnlyTheHandlersContent()
    {
        var json = Write(w => ServerRequestCodec.WriteElicitationResult(w, Form(), McpElicitationResult.Accept(), applyDefaults: false));
        Assert.Equal("""{"action":"accept","content":{}}""", json);
    }

    [Theory]
    [InlineData(McpElicitationAction.Decline, """{"action":"decline"}""")]
    [InlineData(McpElicitationAction.Cancel, """{"action":"cancel"}""")]
    public void WriteElicitationResult_DeclineOrCancel_HasNoContentEvenWithDefaults(McpElicitationAction action, string expected)
    {
        var result = new McpElicitationResult { Action = action, Content = new Dictionary<string, JsonElement> { ["name"] = JsonSerializer.SerializeToElement("x") } };
        Assert.Equal(expected, Write(w => ServerRequestCodec.WriteElicitationResult(w, Form(), result, applyDefaults: true)));
    }

    [Fact]
    public void WriteElicitationResult_UrlAccept_HasNoContent()
    {
        var request = ServerRequestCodec.ReadElicitation("svc", """{"mode":"url","message":"go","url":"https://example.test/","elicitationId":"e"}"""u8);
        Assert.Equal("""{"action":"accept"}""", Write(w => ServerRequestCodec.WriteElicitationResult(w, request, McpElicitationResult.Accept(), applyDefaults: true)));
    }

    [Fact]
    public void WriteElicitationResult_ObjectValue_ThrowsArgumentException()
    {
        var result = McpElicitationResult.Accept(new Dictionary<string, JsonElement> { ["name"] = JsonDocument.Parse("""{"nested":1}""").RootElement });
        Assert.Throws<ArgumentException>(() => Write(w => ServerRequestCodec.WriteElicitationResult(w, Form(), result, applyDefaults: false)));
    }

    [Fact]
    public void WriteSamplingResult_TypedBlock_WritesSpecShape()
    {
        var json = Write(w => ServerRequestCodec.WriteSamplingResult(w, new McpSamplingResult { Content = McpContentBlock.FromText("hi \"you\""), Model = "m-1", StopReason = "endTurn" }));
        Assert.Equal("""{"role":"assistant","content":{"type":"text","text":"hi \u0022you\u0022"},"model":"m-1","stopReason":"endTurn"}""", json);
    }

    [Fact]
    public void WriteSamplingResult_NoModel_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => Write(w => ServerRequestCodec.WriteSamplingResult(w, new McpSamplingResult { Content = McpContentBlock.FromText("x"), Model = "" })));
    }

    [Fact]
    public void WriteRootsResult_NamesOptional()
    {
        var json = Write(w => ServerRequestCodec.WriteRootsResult(w, [new McpRoot { Uri = "file:///a", Name = "A" }, new McpRoot { Uri = "file:///b" }]));
        Assert.Equal("""{"roots":[{"uri":"file:///a","name":"A"},{"uri":"file:///b"}]}""", json);
        Assert.Throws<ArgumentException>(() => Write(w => ServerRequestCodec.WriteRootsResult(w, [new McpRoot { Uri = "" }])));
    }
}
