using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.Tests.Transports.Http;

/// <summary>A body limit that is not a power of two is enforced while streaming (a rented buffer larger than the limit once let a body be cut silently at the limit and accepted).</summary>
public sealed class HttpBodiesOddLimitTests
{
    [Theory]
    [InlineData(1000, 1)]
    [InlineData(1000, 4096)]
    [InlineData(1_000_000, 65536)]
    public async Task ReadPooled_StreamedOverAnOddLimit_IsAProtocolError(int limit, int chunk)
    {
        // A chunked number: the first `limit` digits alone are valid JSON, so a silent cut gives a wrong result.
        var data = new byte[limit + 1];
        data.AsSpan().Fill((byte)'7');
        using var content = ScriptedBodyStream.Content(data, chunk: chunk);

        var failure = await Assert.ThrowsAsync<TransportFailure>(() => HttpBodies.ReadPooledAsync(content, limit, CancellationToken.None).AsTask());

        Assert.Contains("exceeds the limit", failure.Message, StringComparison.Ordinal);
    }
}
