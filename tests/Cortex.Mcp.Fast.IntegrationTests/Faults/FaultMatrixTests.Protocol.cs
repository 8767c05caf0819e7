using System.Text;
using Cortex.Mcp.Fast.IntegrationTests.Client;
using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Faults;

/// <summary>The matrix rows about what the reply says rather than how the connection behaves: JSON depth, session ids,
/// event streams, clocks.</summary>
public abstract partial class FaultMatrixTests
{
    /// <summary>Row 21: a reply of 10,000 <c>[</c> is refused at the JSON depth limit, typed, without a stack overflow.</summary>
    [Fact]
    public async Task Row21_DeepJson_IsAProtocolError()
    {
        await using var service = await TestMcpService.StartAsync();
        var requests = 0;
        service.Faults.Intercept = async context =>
        {
            if (!IsToolCall(context))
            {
                return false;
            }

            Interlocked.Increment(ref requests);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(new string('[', 10_000), context.RequestAborted);
            return true;
        };
        await using var client = await ClientFor(service.BaseAddress, o => o.Retry = new RetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1) });

        var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());

        Assert.IsType<ServiceProtocolException>(error);
        Assert.Equal(FailureKind.ProtocolError, error.FailureKind);
        Assert.Equal(1, error.Attempts);
        Assert.Equal(1, Volatile.Read(ref requests));
    }

    /// <summary>Row 43: the wall clock jumps a day forward and a day back while the breaker is open; the breaker runs
    /// on the monotonic timestamp, so it neither closes early nor stays open late.</summary>
    [Fact]
    public async Task Row43_WallClockJumps_DoNotMoveTheBreaker()
    {
        var monotonic = new FakeTimeProvider();
        var clock = new WallClockJumps(monotonic);
        await using var service = await TestMcpService.StartAsync();
        await using var client = await ClientFor(service.BaseAddress, o => o.CircuitBreaker = new CircuitBreakerOptions { BreakDuration = TimeSpan.FromSeconds(30) }, clock);
        var failing = ClientHarness.Json("""{"status":503}""");
        for (var i = 0; i < 5; i++)
        {
            await Failure(client.CallToolAsync("svc", "fail", failing).AsTask());
        }

        foreach (var jump in new[] { TimeSpan.FromDays(1), TimeSpan.FromDays(-1), TimeSpan.FromDays(400) })
        {
            clock.Offset = jump;
            var open = Assert.IsType<CircuitOpenException>(await Failure(client.CallToolAsync("svc", "echo").AsTask()));
            Assert.InRange(open.RetryAfter ?? TimeSpan.Zero, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        }

        Assert.Equal(5, service.Counters.TotalToolRequests);
        clock.Offset = TimeSpan.FromDays(-3);
        monotonic.Advance(TimeSpan.FromSeconds(30));
        using var probe = await client.CallToolAsync("svc", "echo").AsTask().WaitAsync(Bound);
        Assert.Equal(6, service.Counters.TotalToolRequests);
    }

    /// <summary>Row 23: an SSE line that never ends stops at the line limit and the stream is not reopened in a tight loop.</summary>
    [Fact]
    public async Task Row23_EndlessSseLine_StopsAtTheLineLimitWithoutReconnecting()
    {
        await using var server = RawTcpTestServer.Start(RawFault.EndlessSseLine);
        await using var client = await ClientFor(server.BaseAddress);

        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var item in client.GetResourceAsync("svc", "endless").WithCancellation(new CancellationTokenSource(Bound).Token))
            {
            }
        });

        var stream = Assert.IsType<ResourceStreamException>(ex);
        Assert.Equal(FailureKind.ProtocolError, stream.FailureKind);
        Assert.IsType<ServerSentEvents.SseLimitExceededException>(stream.InnerException);
        Assert.Equal(1, server.Requests);
    }

    /// <summary>Row 20: a session id outside visible ASCII, or over 1 KiB, is refused with a typed error and never echoed.</summary>
    [Theory]
    [InlineData("bad id with spaces")]
    [InlineData("long")]
    public async Task Row20_BadSessionId_IsRefusedTypedAndNeverEchoed(string sessionId)
    {
        if (sessionId == "long")
        {
            sessionId = "S" + new string('x', 1100);
        }

        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse });
        var initializes = 0;
        service.Faults.Intercept = context =>
        {
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/mcp", StringComparison.Ordinal)
                && !context.Request.Headers.ContainsKey("Mcp-Session-Id"))
            {
                Interlocked.Increment(ref initializes);
                context.Response.OnStarting(() =>
                {
                    context.Response.Headers["Mcp-Session-Id"] = sessionId; // replaces the service's own id
                    return Task.CompletedTask;
                });
            }

            return ValueTask.FromResult(false);
        };
        await using var client = await ClientFor(service.McpAddress, o => o.Protocol = McpProtocol.StreamableHttp);

        var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());

        Assert.Equal(FailureKind.ProtocolError, error.FailureKind);
        Assert.Equal(1, Volatile.Read(ref initializes));
        Assert.Equal(0, service.Counters.TotalToolRequests);
        Assert.DoesNotContain(sessionId, error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Row 24: <c>data: x</c> lines forever and never a blank line: the event limit (16 MiB) ends it, typed.</summary>
    [Fact]
    public async Task Row24_EndlessEvent_StopsAtTheEventLimitWithATypedStreamError()
    {
        var requests = 0;
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            Interlocked.Increment(ref requests);
            var lines = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("data: " + new string('x', 1000) + "\n", 64)));
            var result = await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"u8.ToArray(), ct);
            for (long sent = 0; !result.IsCompleted && !result.IsCanceled && sent < 1L << 30; sent += lines.Length)
            {
                result = await pipe.Output.WriteAsync(lines, ct);
            }
        }));
        await using var client = await ClientFor(server.BaseAddress);

        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var item in client.GetResourceAsync("svc", "endless").WithCancellation(new CancellationTokenSource(Bound).Token))
            {
            }
        });

        var stream = Assert.IsType<ResourceStreamException>(ex);
        Assert.Equal(FailureKind.ProtocolError, stream.FailureKind);
        Assert.IsType<ServerSentEvents.SseLimitExceededException>(stream.InnerException);
        Assert.Equal(1, Volatile.Read(ref requests));
    }

    /// <summary>Row 30: a stream answered with something other than 200: a typed error, no reconnect storm.</summary>
    [Theory]
    [InlineData(204)]
    [InlineData(404)]
    [InlineData(405)]
    public async Task Row30_StreamAnsweredWithoutA200_IsTypedAndNotReopened(int status)
    {
        await using var service = await TestMcpService.StartAsync();
        var opens = 0;
        service.Faults.Intercept = context =>
        {
            if (!context.Request.Path.StartsWithSegments("/resource", StringComparison.Ordinal))
            {
                return ValueTask.FromResult(false);
            }

            Interlocked.Increment(ref opens);
            context.Response.StatusCode = status;
            return ValueTask.FromResult(true);
        };
        await using var client = await ClientFor(service.BaseAddress);

        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var item in client.GetResourceAsync("svc", "events/3").WithCancellation(new CancellationTokenSource(Bound).Token))
            {
            }
        });

        var stream = Assert.IsType<ResourceStreamException>(ex);
        Assert.Equal(status, stream.StatusCode);
        Assert.Equal(1, Volatile.Read(ref opens));
    }
}

/// <summary>A clock whose wall time (<see cref="GetUtcNow"/>) jumps by <see cref="Offset"/> while its timestamp and timers
/// follow <paramref name="monotonic"/> alone, as a real machine's do when its time is set.</summary>
internal sealed class WallClockJumps(FakeTimeProvider monotonic) : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => monotonic.GetUtcNow() + Offset;

    public override long GetTimestamp() => monotonic.GetTimestamp();

    public override long TimestampFrequency => monotonic.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        monotonic.CreateTimer(callback, state, dueTime, period);
}
