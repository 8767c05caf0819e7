using System.Buffers;
using System.Text;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.Tests.Transports.Http;

/// <summary>Bodies read within a size limit (declared and streamed), truncation against the declared length, and the
/// well-formedness check every result passes (UTF-8 throughout, one value, depth 64).</summary>
public sealed class HttpBodiesTests
{
    // A power of two: the pooled buffer then ends exactly at the limit (see the report on non-power-of-two limits).
    private const int Limit = 1024;

    [Fact]
    public async Task ReadPooled_DeclaredLengthOverTheLimit_IsRefusedBeforeAnyRead()
    {
        var body = new ScriptedBodyStream(new byte[Limit + 1]);
        using var content = new StreamContent(body);
        content.Headers.ContentLength = Limit + 1;

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => HttpBodies.ReadPooledAsync(content, Limit, CancellationToken.None).AsTask());

        Assert.Equal(FailureKind.ProtocolError, failure.Kind);
        Assert.Contains("declares", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, body.Reads);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task ReadPooled_StreamedExactlyAtTheLimit_IsAccepted(int chunk)
    {
        var data = Pattern(Limit);
        using var content = ScriptedBodyStream.Content(data, chunk: chunk);

        var (buffer, length) = await HttpBodies.ReadPooledAsync(content, Limit, CancellationToken.None);
        try
        {
            Assert.Equal(data, buffer.AsSpan(0, length).ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public async Task ReadPooled_StreamedOneByteOverTheLimit_IsAProtocolError(int chunk)
    {
        using var content = ScriptedBodyStream.Content(Pattern(Limit + 1), chunk: chunk);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => HttpBodies.ReadPooledAsync(content, Limit, CancellationToken.None).AsTask());

        Assert.Equal(FailureShape.Protocol, failure.Shape);
        Assert.Contains("exceeds the limit", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadPooled_FarOverTheLimitWithoutALength_StopsReadingAtTheLimit()
    {
        var body = new ScriptedBodyStream(new byte[100 * Limit], chunk: 16);
        using var content = new StreamContent(body);

        await Assert.ThrowsAsync<TransportFailure>(() => HttpBodies.ReadPooledAsync(content, Limit, CancellationToken.None).AsTask());

        // Limit/16 reads fill the buffer, one more probes: nothing past the limit is buffered.
        Assert.InRange(body.Reads, Limit / 16, (Limit / 16) + 1);
    }

    [Fact]
    public async Task ReadPooled_ShorterThanDeclared_IsATruncationError()
    {
        using var content = ScriptedBodyStream.Content(Pattern(10), declaredLength: 100);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => HttpBodies.ReadPooledAsync(content, Limit, CancellationToken.None).AsTask());

        Assert.Equal(FailureKind.ProtocolError, failure.Kind);
        Assert.Contains("ended after 10 of 100", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadPooled_ExactlyDeclared_IsAccepted()
    {
        var data = Pattern(100);
        using var content = ScriptedBodyStream.Content(data, declaredLength: 100, chunk: 3);

        var (buffer, length) = await HttpBodies.ReadPooledAsync(content, Limit, CancellationToken.None);
        try
        {
            Assert.Equal(data, buffer.AsSpan(0, length).ToArray());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [Fact]
    public async Task ReadPooled_EmptyBody_IsEmpty()
    {
        using var content = ScriptedBodyStream.Content([]);

        var (buffer, length) = await HttpBodies.ReadPooledAsync(content, Limit, CancellationToken.None);

        Assert.Equal(0, length);
        ArrayPool<byte>.Shared.Return(buffer);
    }

    [Fact]
    public async Task ReadPooled_BrokenBody_ThrowsWhatTheStreamThrew()
    {
        using var content = ScriptedBodyStream.Content(Pattern(10), failAtEnd: new IOException("reset"));

        await Assert.ThrowsAsync<IOException>(() => HttpBodies.ReadPooledAsync(content, Limit, CancellationToken.None).AsTask());
    }

    [Theory]
    [InlineData("{\"a\":1}")]
    [InlineData("[1,2,{\"b\":[true,null]}]")]
    [InlineData("\"just a string\"")]
    [InlineData("  42  ")]
    [InlineData("{\"text\":\"h\u00e9llo \u4e16\u754c \ud83d\ude00\"}")]
    public void IsWellFormedJson_OneValidValue_IsTrue(string json)
    {
        Assert.True(HttpBodies.IsWellFormedJson(Encoding.UTF8.GetBytes(json), out var error));
        Assert.Null(error);
    }

    public static TheoryData<string, byte[]> Malformed => new()
    {
        { "empty", [] },
        { "whitespace", " \n"u8.ToArray() },
        { "invalid UTF-8 inside a string", [.. "{\"a\":\"bad "u8, 0xFF, .. "\"}"u8] },
        { "overlong encoding inside a string", [.. "{\"a\":\""u8, 0xC0, 0xAF, .. "\"}"u8] },
        { "lone surrogate encoded", [.. "{\"a\":\""u8, 0xED, 0xA0, 0x80, .. "\"}"u8] },
        { "truncated sequence at the end of a string", [.. "{\"a\":\"x"u8, 0xE4, 0xB8, .. "\"}"u8] },
        { "invalid UTF-8 after the value", [.. "{\"a\":1}"u8, 0xFF] },
        { "trailing value", "{\"a\":1} {\"b\":2}"u8.ToArray() },
        { "trailing garbage", "{\"a\":1}x"u8.ToArray() },
        { "truncated", "{\"a\":"u8.ToArray() },
        { "not JSON", "<html>"u8.ToArray() },
        { "65 levels deep", Encoding.ASCII.GetBytes(new string('[', 65) + new string(']', 65)) },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void IsWellFormedJson_Malformed_IsFalse(string name, byte[] body)
    {
        Assert.False(HttpBodies.IsWellFormedJson(body, out _), name);
    }

    [Fact]
    public void IsWellFormedJson_InvalidUtf8_ReportsWhy()
    {
        Assert.False(HttpBodies.IsWellFormedJson([.. "{\"a\":\""u8, 0xFF, .. "\"}"u8], out var error));
        Assert.NotNull(error);
        Assert.Contains("UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsWellFormedJson_ExactlyTheDepthLimit_IsTrue() =>
        Assert.True(HttpBodies.IsWellFormedJson(Encoding.ASCII.GetBytes(new string('[', 64) + new string(']', 64)), out _));

    private static byte[] Pattern(int length)
    {
        var data = new byte[length];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)('a' + (i % 26));
        }

        return data;
    }
}
