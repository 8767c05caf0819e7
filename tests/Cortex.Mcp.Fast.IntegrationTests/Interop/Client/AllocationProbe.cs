using Xunit.Abstractions;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Client;

/// <summary>Rough client-side allocation per tools/call against the out-of-process server-everything (reported, not asserted).</summary>
[Collection(EverythingServerGroup.Name)]
public sealed class AllocationProbe(EverythingServerFixture server, ITestOutputHelper output)
{
    [Fact]
    public async Task ToolsCall_AllocatedBytesPerCall_IsReported()
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("e", server.Endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        await using var client = new NetworkMcpClient(options);
        var args = """{"a":2,"b":3}"""u8.ToArray();
        for (var i = 0; i < 200; i++)
        {
            (await client.CallToolAsync("e", "get-sum", args)).Dispose();
        }

        const int N = 500;
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < N; i++)
        {
            (await client.CallToolAsync("e", "get-sum", args)).Dispose();
        }

        var perCall = (GC.GetTotalAllocatedBytes(precise: true) - before) / N;
        output.WriteLine($"~{perCall} bytes allocated per tools/call (whole process, client side only: the server is node)");
        Assert.True(perCall > 0);
    }
}
