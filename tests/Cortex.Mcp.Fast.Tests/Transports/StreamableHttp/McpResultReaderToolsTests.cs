using System.Buffers;
using System.Text;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

/// <summary>The tools/list walk both MCP transports share: every page in order, a bound on pages, a typed failure.</summary>
public sealed class McpResultReaderToolsTests
{
    [Fact]
    public async Task ReadAllTools_FollowsTheCursors_InOrder_UntilAPageHasNone()
    {
        var pages = new Dictionary<string, string>
        {
            [""] = """{"tools":[{"name":"a"},{"name":"b"}],"nextCursor":"p2"}""",
            ["p2"] = """{"tools":[{"name":"c"}],"nextCursor":"p3"}""",
            ["p3"] = """{"tools":[{"name":"d"}]}""",
        };
        var asked = new List<string?>();

        var tools = await McpResultReader.ReadAllToolsAsync(
            pages,
            (all, cursor, _) =>
            {
                asked.Add(cursor);
                return ValueTask.FromResult(Pooled(all[cursor ?? string.Empty]));
            },
            CancellationToken.None);

        Assert.Equal(["a", "b", "c", "d"], tools.Select(t => t.Name));
        Assert.Equal([null, "p2", "p3"], asked);
    }

    [Fact]
    public async Task ReadAllTools_AServerThatNeverStopsPaging_EndsAtTheBound()
    {
        var fetched = 0;
        var tools = await McpResultReader.ReadAllToolsAsync(
            0,
            (_, cursor, _) =>
            {
                fetched++;
                return ValueTask.FromResult(Pooled($$"""{"tools":[{"name":"t{{fetched}}"}],"nextCursor":"again"}"""));
            },
            CancellationToken.None);

        Assert.Equal(McpResultReader.MaxToolPages, fetched);
        Assert.Equal(McpResultReader.MaxToolPages, tools.Count);
    }

    [Fact]
    public async Task ReadAllTools_APageThatIsNotAToolsList_IsATypedFailure()
    {
        var failure = await Assert.ThrowsAsync<TransportFailure>(async () => await McpResultReader.ReadAllToolsAsync(
            0,
            (_, _, _) => ValueTask.FromResult(Pooled("""{"resources":[]}""")),
            CancellationToken.None));
        Assert.Contains("tools", failure.Message, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A result in a pooled buffer, as the transports hand it over (ReadAllToolsAsync returns it).</summary>
    private static (byte[] Buffer, int Length) Pooled(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer, 0);
        return (buffer, bytes.Length);
    }
}
