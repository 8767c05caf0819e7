using System.Text;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Faults;

/// <summary>
/// Row 17's memory bound over a real socket: a chunked body with no declared length, far over
/// <see cref="HttpOptions.MaxResponseBytes"/>. The body buffering itself is held to the row's limit + 64 KiB by
/// <c>PooledBodyBuilderTests</c> (allocations of the reading thread alone); here the whole process is measured during
/// the call, the raw server's pipe buffers and the runtime's socket and chunked-decoding buffers included, so the bound
/// is the limit + 64 KiB for the body plus 192 KiB for that stack (measured: about limit + 104 KiB; a doubling buffer
/// on a cold pool costs up to 2 × the limit). The server's chunk is built before the measurement. On the default
/// engine, whose body reads go through <c>HttpBodies</c>; the direct engine keeps its own doubling buffer
/// (<c>DirectHttpResponse.ReadBodyPooledAsync</c>) and is held to <c>ResponseSizeLimitTests</c>' 2 × limit bound until
/// it uses the same <c>PooledBodyBuilder</c>.
/// </summary>
[Collection(AllocationMeasuredTests.Name)]
public sealed class StreamedBodyMemoryTests
{
    private const int Limit = 1 << 20;
    private const long Offered = 64L << 20;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Row17_ChunkedBodyOverTheLimit_ProcessAllocatesAtMostTheLimitPlus256KiB_OnSocketsHttpHandler()
    {
        long written = 0;
        var requests = 0;
        var chunk = Encoding.ASCII.GetBytes($"10000\r\n{new string(' ', 0x10000)}\r\n"); // JSON whitespace, built up front
        var head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nd\r\n{\"content\":[]\r\n"u8.ToArray();
        var small = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"content\":[]}"u8.ToArray();
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            while (await RawFault.ReadRequestHeadAsync(pipe.Input, ct) is not null)
            {
                if (Interlocked.Increment(ref requests) == 1)
                {
                    await pipe.Output.WriteAsync(small, ct); // the warm-up call, outside the measurement
                    continue;
                }

                var result = await pipe.Output.WriteAsync(head, ct);
                while (!result.IsCompleted && !result.IsCanceled && Interlocked.Add(ref written, 0x10000) < Offered)
                {
                    result = await pipe.Output.WriteAsync(chunk, ct);
                }

                return;
            }
        }));
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("svc", server.BaseAddress);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Http.Engine = HttpEngineKind.SocketsHttpHandler;
        options.DefaultServiceOptions.Http.MaxResponseBytes = Limit;
        options.DefaultServiceOptions.Retry = RetryOptions.NoRetry;
        await using var client = new NetworkMcpClient(options);
        using (var warm = await client.CallToolAsync("svc", "echo").AsTask().WaitAsync(Bound))
        {
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var ex = await Record.ExceptionAsync(() => client.CallToolAsync("svc", "echo").AsTask().WaitAsync(Bound));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        var error = Assert.IsType<ServiceProtocolException>(ex);
        Assert.Contains("exceeds the limit", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.Attempts);
        Assert.Equal(2, Volatile.Read(ref requests));
        Assert.True(allocated <= Limit + (256 * 1024), $"allocated {allocated:N0} bytes during the call (limit {Limit:N0})");
        await server.WaitUntilAsync(s => s.OpenConnections == 0, new CancellationTokenSource(Bound).Token); // the client hung up
        Assert.True(Volatile.Read(ref written) < Offered / 2, $"the server wrote {Volatile.Read(ref written):N0} bytes: the client kept reading");
    }
}
