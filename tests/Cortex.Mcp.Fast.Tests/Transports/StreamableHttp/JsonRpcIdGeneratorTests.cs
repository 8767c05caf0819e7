using System.Collections.Concurrent;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

public class JsonRpcIdGeneratorTests
{
    [Fact]
    public void Next_NewGenerator_StartsAtOne()
    {
        var ids = new JsonRpcIdGenerator();
        Assert.Equal(1, ids.Next());
        Assert.Equal(2, ids.Next());
    }

    [Fact]
    public void Next_Concurrent_HandsOutUniqueIds()
    {
        var ids = new JsonRpcIdGenerator();
        var seen = new ConcurrentDictionary<long, byte>();
        Parallel.For(0, 20_000, _ => Assert.True(seen.TryAdd(ids.Next(), 0)));
        Assert.Equal(20_000, seen.Count);
        Assert.Equal(1, seen.Keys.Min());
        Assert.Equal(20_000, seen.Keys.Max());
    }

    [Fact]
    public void Next_AtJavaScriptSafeLimit_WrapsToOne()
    {
        var ids = new JsonRpcIdGenerator(JsonRpcIdGenerator.MaxId - 1);
        Assert.Equal(JsonRpcIdGenerator.MaxId, ids.Next());
        Assert.Equal(1, ids.Next());
        Assert.Equal(2, ids.Next());
    }
}
