using System.IO.Compression;
using System.Text;
using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Faults;

/// <summary>Runs alone: its tests measure the process's allocations, which a parallel test would inflate.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationMeasuredTests
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Fault matrix allocation measurements";
}

/// <summary>
/// Rows 17 and 18 of the fault matrix: bodies larger than <see cref="HttpOptions.MaxResponseBytes"/>. Memory is bounded by
/// the bytes the whole process allocates during the call (<see cref="GC.GetTotalAllocatedBytes(bool)"/>, precise), which
/// includes the Kestrel side; a client that buffered the body would allocate at least the 64 MiB the server offers.
/// </summary>
[Collection(AllocationMeasuredTests.Name)]
public abstract class ResponseSizeLimitTests(HttpEngineKind engine)
{
    private const int Limit = 1 << 20;
    private const long Offered = 64L << 20;
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Row 17, streamed: a chunked body with no declared length (64 MiB offered) stops at the 1 MiB limit. A raw
    /// server, because Kestrel's writes succeed silently once the client has gone, so it cannot tell how much was read.</summary>
    [Fact]
    public async Task Row17_ChunkedBodyOverMaxResponseBytes_StopsAtTheLimitAndAllocatesLessThanTwiceIt()
    {
        long written = 0;
        var requests = 0;
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            while (await RawFault.ReadRequestHeadAsync(pipe.Input, ct) is not null)
            {
                if (Interlocked.Increment(ref requests) == 1)
                {
                    // The first call, outside the measurement, is answered normally: connection, JIT and pools are set up.
                    await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{\"content\":[]}"u8.ToArray(), ct);
                    continue;
                }

                var chunk = Encoding.ASCII.GetBytes($"10000\r\n{new string(' ', 0x10000)}\r\n"); // JSON whitespace
                var result = await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nd\r\n{\"content\":[]\r\n"u8.ToArray(), ct);
                while (!result.IsCompleted && !result.IsCanceled && Interlocked.Add(ref written, 0x10000) < Offered)
                {
                    result = await pipe.Output.WriteAsync(chunk, ct);
                }

                return;
            }
        }));
        await using var client = await ClientFor(server.BaseAddress);
        using (var warm = await client.CallToolAsync("svc", "echo").AsTask().WaitAsync(Bound))
        {
        }

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.IsType<ServiceProtocolException>(error);
        Assert.Equal(1, error.Attempts);
        Assert.Equal(2, Volatile.Read(ref requests));
        Assert.True(allocated < (2 * Limit) + (512 * 1024), $"allocated {allocated:N0} bytes during the call (limit {Limit:N0})");
        await server.WaitUntilAsync(s => s.OpenConnections == 0, new CancellationTokenSource(Bound).Token); // the client hung up
        Assert.True(Volatile.Read(ref written) < Offered / 2, $"the server wrote {Volatile.Read(ref written):N0} bytes: the client kept reading");
    }

    /// <summary>Row 18: the client asks for no compression, so a gzip bomb is never inflated: it is bytes that are not JSON.</summary>
    [Fact]
    public async Task Row18_GzipBomb_IsNeverDecompressed()
    {
        var bomb = GzipOfZeros(32L << 20); // 32 MiB of zeros, about 32 KiB compressed
        await using var service = await TestMcpService.StartAsync();
        var armed = false; // the first call, outside the measurement, is answered normally
        var requests = 0;
        string? acceptEncoding = null;
        service.Faults.Intercept = async context =>
        {
            if (!Volatile.Read(ref armed) || !FaultMatrixTests.IsToolCall(context))
            {
                return false;
            }

            Interlocked.Increment(ref requests);
            acceptEncoding = context.Request.Headers.AcceptEncoding.ToString();
            context.Response.ContentType = "application/json";
            context.Response.Headers.ContentEncoding = "gzip";
            context.Response.ContentLength = bomb.Length;
            await context.Response.Body.WriteAsync(bomb, context.RequestAborted);
            return true;
        };
        await using var client = await ClientFor(service.BaseAddress);
        using (var warm = await client.CallToolAsync("svc", "echo").AsTask().WaitAsync(Bound))
        {
        }

        Volatile.Write(ref armed, true);
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.IsType<ServiceProtocolException>(error);
        Assert.Equal(1, Volatile.Read(ref requests));
        Assert.Equal(string.Empty, acceptEncoding);
        Assert.True(allocated < 4L << 20, $"allocated {allocated:N0} bytes during the call");
    }

    private static byte[] GzipOfZeros(long length)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1 << 20];
            for (long done = 0; done < length; done += zeros.Length)
            {
                gzip.Write(zeros);
            }
        }

        return output.ToArray();
    }

    private async Task<NetworkMcpClient> ClientFor(Uri address)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("svc", address);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Http.Engine = engine;
        options.DefaultServiceOptions.Http.MaxResponseBytes = Limit;
        options.DefaultServiceOptions.Retry = new RetryOptions { MaxRetries = 0, BaseDelay = TimeSpan.FromMilliseconds(1) };
        return new NetworkMcpClient(options);
    }

    private static async Task<ServiceCallException> Failure(Task task)
    {
        var ex = await Record.ExceptionAsync(() => task.WaitAsync(Bound));
        return Assert.IsAssignableFrom<ServiceCallException>(ex);
    }
}

/// <summary>The size rows on the default engine (<see cref="System.Net.Http.SocketsHttpHandler"/>).</summary>
public sealed class ResponseSizeLimitTestsOnSocketsHttpHandler() : ResponseSizeLimitTests(HttpEngineKind.SocketsHttpHandler);

/// <summary>The size rows on the direct HTTP/1.1 engine.</summary>
public sealed class ResponseSizeLimitTestsOnDirectEngine() : ResponseSizeLimitTests(HttpEngineKind.Direct);
