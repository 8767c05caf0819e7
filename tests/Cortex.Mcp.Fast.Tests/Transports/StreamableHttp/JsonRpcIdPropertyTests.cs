using System.Buffers;
using Cortex.Mcp.Fast.Transports.StreamableHttp;
using FsCheck;
using FsCheck.Xunit;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class JsonRpcIdPropertyTests
{
    private static readonly McpClientIdentity s_identity = new("p", "1");

    private static JsonRpcId RoundTrip(JsonRpcId id)
    {
        using var writer = new JsonRpcRequestWriter(s_identity, "2025-11-25");
        var buffer = new ArrayBufferWriter<byte>();
        writer.WritePingResult(buffer, id);
        var m = JsonRpcMessageReader.Read(buffer.WrittenSpan);
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        return m.GetId();
    }

    [Property]
    public bool PingResult_AnyStringId_RoundTripsAsString(NonNull<string> value) =>
        !IsValidUtf16(value.Get) // a lone surrogate cannot be sent as JSON at all
        || RoundTrip(JsonRpcId.FromString(value.Get)) == JsonRpcId.FromString(value.Get);

    private static bool IsValidUtf16(string s)
    {
        try
        {
            _ = new System.Text.UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(s);
            return true;
        }
        catch (System.Text.EncoderFallbackException)
        {
            return false;
        }
    }

    [Property]
    public bool PingResult_AnyNumberId_RoundTripsAsNumber(long value) =>
        RoundTrip(JsonRpcId.FromNumber(value)) == JsonRpcId.FromNumber(value);
}
