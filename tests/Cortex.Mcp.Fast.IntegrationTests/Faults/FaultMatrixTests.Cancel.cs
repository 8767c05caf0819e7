using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Faults;

/// <summary>
/// Row 39: the caller cancels at each stage of a call over the wire (connecting, sending, waiting for the response
/// headers, mid-SSE stream). Each ends as <see cref="OperationCanceledException"/> only (never a typed service
/// failure, never retried), promptly: within <see cref="CancelBound"/> of the cancellation on a busy 2-core machine,
/// while every other limit (connect timeout, deadline) is 30 s away.
/// </summary>
public abstract partial class FaultMatrixTests
{
    /// <summary>How soon after the caller's cancellation the call must have ended (the row's 50 ms, with room for a
    /// loaded shared machine; every other limit in these tests is 30 s).</summary>
    private static readonly TimeSpan CancelBound = TimeSpan.FromSeconds(2);

    /// <summary>Row 39, connecting: the listener's accept queue is full, so the connect hangs (30 s connect timeout).
    /// The cancellation is fired by a timer 300 ms in: by then the call can only be connecting (nothing ever accepts).</summary>
    [Fact]
    public async Task Row39_CancelWhileConnecting_EndsPromptlyAsCancellationOnly()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = await SaturateAcceptQueueAsync(endPoint);
        try
        {
            await using var client = await ClientFor(new Uri($"http://127.0.0.1:{endPoint.Port}/"), o =>
            {
                o.Http.ConnectTimeout = Bound;
                o.CallTimeout = Bound;
                o.Retry = new RetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1) };
            });
            using var caller = new CancellationTokenSource();
            var call = client.CallToolAsync("svc", "echo", cancellationToken: caller.Token).AsTask();

            caller.CancelAfter(TimeSpan.FromMilliseconds(300));

            await AssertCancelledPromptlyAsync(call, caller, TimeSpan.FromMilliseconds(300));
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    /// <summary>Row 39, sending: the server accepts and never reads, so a 16 MiB request body cannot be sent in full.</summary>
    [Fact]
    public async Task Row39_CancelWhileSending_EndsPromptlyAsCancellationOnly()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Server.ReceiveBufferSize = 4096;
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        await using var client = await ClientFor(new Uri($"http://127.0.0.1:{port}/"), o => o.CallTimeout = Bound);
        var arguments = Encoding.UTF8.GetBytes("{\"text\":\"" + new string('x', 16 << 20) + "\"}");
        using var caller = new CancellationTokenSource();
        var call = client.CallToolAsync("svc", "echo", arguments, null, caller.Token).AsTask();

        // Signal: the connection is accepted, so the request is on its way; it can never be read in full.
        using var accepted = await listener.AcceptSocketAsync(new CancellationTokenSource(Bound).Token);
        Assert.False(call.IsCompleted);
        await caller.CancelAsync();

        await AssertCancelledPromptlyAsync(call, caller, TimeSpan.Zero);
    }

    /// <summary>Row 39, waiting for headers: the server reads the request and never answers.</summary>
    [Fact]
    public async Task Row39_CancelWhileWaitingForHeaders_EndsPromptlyAsCancellationOnly()
    {
        await using var server = RawTcpTestServer.Start(RawFault.Hang);
        await using var client = await ClientFor(server.BaseAddress, o => o.CallTimeout = Bound);
        using var caller = new CancellationTokenSource();
        var call = client.CallToolAsync("svc", "echo", cancellationToken: caller.Token).AsTask();

        await server.WaitUntilAsync(s => s.Requests == 1, new CancellationTokenSource(Bound).Token);
        await caller.CancelAsync();

        await AssertCancelledPromptlyAsync(call, caller, TimeSpan.Zero);
        await server.WaitUntilAsync(s => s.OpenConnections == 0, new CancellationTokenSource(Bound).Token); // socket closed
        Assert.Equal(1, server.Requests);
    }

    /// <summary>Row 39, mid-SSE stream: one event arrives, then the stream goes quiet (it never ends).</summary>
    [Fact]
    public async Task Row39_CancelMidSseStream_EndsPromptlyAsCancellationOnly()
    {
        var requests = 0;
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            await RawFault.ReadRequestHeadAsync(pipe.Input, ct);
            Interlocked.Increment(ref requests);
            await pipe.Output.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\nf\r\ndata: {\"n\":1}\n\n\r\n"u8.ToArray(), ct);
            try
            {
                // Quiet from now on: only watch for the client hanging up.
                while (true)
                {
                    var read = await pipe.Input.ReadAsync(ct);
                    pipe.Input.AdvanceTo(read.Buffer.End);
                    if (read.IsCompleted || read.IsCanceled)
                    {
                        break;
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or System.Net.Sockets.SocketException)
            {
                // The server ended, or the client reset the connection.
            }
        }));
        await using var client = await ClientFor(server.BaseAddress);
        using var caller = new CancellationTokenSource();
        await using var items = client.GetResourceAsync("svc", "quiet").GetAsyncEnumerator(caller.Token);
        Assert.True(await items.MoveNextAsync().AsTask().WaitAsync(Bound));
        Assert.Equal(1, items.Current.GetProperty("n").GetInt32());

        var next = items.MoveNextAsync().AsTask();
        Assert.False(next.IsCompleted);
        await caller.CancelAsync();

        // A stream's cancellation carries the stream's own linked token, not the caller's: only the type is asserted.
        await AssertCancelledPromptlyAsync(next, caller, TimeSpan.Zero, callersToken: false);
        await server.WaitUntilAsync(s => s.OpenConnections == 0, new CancellationTokenSource(Bound).Token); // socket closed
        Assert.Equal(1, Volatile.Read(ref requests));                                                      // not reopened
    }

    /// <summary>Waits for <paramref name="call"/> to end and asserts it ended as a cancellation by the caller's token,
    /// within <see cref="CancelBound"/> of the moment the token fires (<paramref name="firesAfter"/> from now).</summary>
    private static async Task AssertCancelledPromptlyAsync(Task call, CancellationTokenSource caller, TimeSpan firesAfter, bool callersToken = true)
    {
        var clock = Stopwatch.StartNew();
        var ex = await Record.ExceptionAsync(() => call.WaitAsync(Bound));
        var elapsed = clock.Elapsed;

        Assert.True(caller.IsCancellationRequested);
        var canceled = Assert.IsAssignableFrom<OperationCanceledException>(ex);
        Assert.IsNotType<ServiceCallException>(ex.InnerException);
        if (callersToken)
        {
            Assert.Equal(caller.Token, canceled.CancellationToken);
        }

        Assert.True(elapsed < firesAfter + CancelBound, $"ended {elapsed.TotalMilliseconds:0} ms after the call started waiting (cancel at {firesAfter.TotalMilliseconds:0} ms)");
    }
}
