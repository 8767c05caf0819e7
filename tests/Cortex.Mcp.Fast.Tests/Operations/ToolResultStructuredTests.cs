using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cortex.Mcp.Fast.Tests.Operations;

public sealed class ToolResultStructuredTests
{
    private static ToolResult Mcp(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        return new ToolResult(bytes, bytes.Length, pooled: false) { IsMcpEnvelope = true };
    }

    [Fact]
    public void StructuredContent_IsReadNotTheEnvelope()
    {
        using var result = Mcp("""{"content":[{"type":"text","text":"{\"n\":1}"}],"structuredContent":{"n":42,"s":"x"},"isError":false}""");
        Assert.True(result.TryGetStructuredContent(out var structured));
        Assert.Equal(42, structured.GetProperty("n").GetInt32());
        Assert.Equal(42, result.DeserializeStructuredContent(StructuredJson.Default.Payload)!.N);
    }

    [Fact]
    public void NoStructuredContent_FallsBackToFirstTextAsJson()
    {
        using var result = Mcp("""{"content":[{"type":"image","data":"AA=="},{"type":"text","text":"{\"n\":7,\"s\":\"t\"}"}]}""");
        Assert.False(result.TryGetStructuredContent(out _));
        var payload = result.DeserializeStructuredContent(StructuredJson.Default.Payload)!;
        Assert.Equal((7, "t"), (payload.N, payload.S));
    }

    [Fact]
    public void NeitherStructuredNorText_ThrowsJsonException()
    {
        using var result = Mcp("""{"content":[]}""");
        Assert.Throws<JsonException>(() => result.DeserializeStructuredContent(StructuredJson.Default.Payload));
    }

    [Fact]
    public void RestResult_IsItsOwnStructuredContent()
    {
        using var result = ToolResult.FromUtf8("""{"n":3,"structuredContent":{"n":9}}"""u8);
        Assert.True(result.TryGetStructuredContent(out var structured));
        Assert.Equal(3, structured.GetProperty("n").GetInt32());
        Assert.Equal(3, result.DeserializeStructuredContent(StructuredJson.Default.Payload)!.N);
    }

    [Fact]
    public void Disposed_Throws()
    {
        var result = Mcp("""{"structuredContent":{}}""");
        result.Dispose();
        Assert.Throws<ObjectDisposedException>(() => result.TryGetStructuredContent(out _));
        Assert.Throws<ObjectDisposedException>(() => result.DeserializeStructuredContent(StructuredJson.Default.Payload));
    }
}

public sealed class Payload
{
    public int N { get; set; }

    public string? S { get; set; }
}

[JsonSerializable(typeof(Payload))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class StructuredJson : JsonSerializerContext;
