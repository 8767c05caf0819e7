using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Faults;

/// <summary>
/// Rows of the fault matrix (../shared/RELIABILITY.md, part b) that had no test of their own: each over real sockets,
/// asserting the typed outcome, what the server saw and a generous time bound. The row number is in each test's name.
/// </summary>
public abstract partial class FaultMatrixTests(HttpEngineKind engine)
{
    /// <summary>Far above every limit below: a test that reaches it has hung, which is a failure, not a slow pass.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Row 1: nothing listens. The request provably never left, so even a non-idempotent call is retried, and
    /// each failure counts against the breaker (5 consecutive by default), which then refuses without I/O.</summary>
    [Fact]
    public async Task Row01_ConnectionRefused_IsRetriedEvenWhenNotIdempotentAndOpensTheBreaker()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        await using var client = await ClientFor(new Uri($"http://127.0.0.1:{port}/"), o => o.Retry = new RetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1) });

        var clock = Stopwatch.StartNew();
        var first = await Failure(client.CallToolAsync("svc", "echo", options: ToolCallOptions.NonIdempotent).AsTask());
        Assert.Equal(FailureKind.ConnectFailure, first.FailureKind);
        Assert.True(first.RequestNotSent);
        Assert.Equal(2, first.Attempts);
        // Each later call fails the same way until 5 failed attempts have been counted: then the breaker refuses.
        var calls = 1;
        ServiceCallException error;
        while (!((error = await Failure(client.CallToolAsync("svc", "echo").AsTask())) is CircuitOpenException) && calls < 10)
        {
            Assert.Equal(FailureKind.ConnectFailure, error.FailureKind);
            calls++;
        }

        Assert.IsType<CircuitOpenException>(error);
        Assert.InRange(calls, 2, 3); // 2 attempts per call: the 5th failed attempt is in the 3rd call
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), clock.Elapsed.ToString());
    }

    /// <summary>Row 2: the listener's accept queue is full, so the kernel drops our SYNs and the connect hangs.</summary>
    [Fact]
    public async Task Row02_ConnectHangs_FailsTypedWithinTheConnectTimeoutAndProvablyNotSent()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var endPoint = (IPEndPoint)listener.LocalEndPoint!;
        var fillers = await SaturateAcceptQueueAsync(endPoint);
        try
        {
            var connectTimeout = TimeSpan.FromMilliseconds(500);
            await using var client = await ClientFor(new Uri($"http://127.0.0.1:{endPoint.Port}/"), o =>
            {
                o.Http.ConnectTimeout = connectTimeout;
                o.CallTimeout = Bound;
            });

            var clock = Stopwatch.StartNew();
            var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());
            clock.Stop();

            // Typed as a timeout of the connect limit, and provably never sent (so safe to retry).
            Assert.Equal(TimeoutLimit.Connect, Assert.IsType<CallTimeoutException>(error).Limit);
            Assert.Equal(FailureKind.Timeout, error.FailureKind);
            Assert.True(error.RequestNotSent);
            Assert.Equal(1, error.Attempts);
            Assert.InRange(clock.Elapsed, connectTimeout * 0.9, connectTimeout * 10);
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    /// <summary>Row 4: headers and half of a JSON body, then the server aborts the connection.</summary>
    [Fact]
    public async Task Row04_ResetMidJsonBody_IsANetworkErrorWithNoPartialResult()
    {
        await using var service = await TestMcpService.StartAsync();
        var aborted = 0;
        service.Faults.Intercept = async context =>
        {
            if (!IsToolCall(context))
            {
                return false;
            }

            Interlocked.Increment(ref aborted);
            var half = Encoding.UTF8.GetBytes("{\"content\":[{\"type\":\"text\",\"text\":\"" + new string('a', 400));
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = half.Length * 2;
            await context.Response.Body.WriteAsync(half, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            context.Abort();
            return true;
        };
        await using var client = await ClientFor(service.BaseAddress);

        var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());

        Assert.Equal(FailureKind.NetworkError, error.FailureKind);
        Assert.False(error.RequestNotSent);
        Assert.Equal(1, error.Attempts);
        Assert.Equal(1, Volatile.Read(ref aborted));

        // The broken connection is not reused: the next call succeeds on a fresh one.
        service.Faults.Intercept = null;
        var accepted = service.Counters.AcceptedConnections;
        using var ok = await client.CallToolAsync("svc", "echo").AsTask().WaitAsync(Bound);
        Assert.Equal(accepted + 1, service.Counters.AcceptedConnections);
    }

    /// <summary>Row 6: the server reads the request and never answers. The call ends at its deadline, typed, and the
    /// socket is closed; a caller's own token ends another such call as a cancellation, also closing its socket.</summary>
    [Fact]
    public async Task Row06_NoResponse_EndsAtTheDeadlineOrTheCallersTokenAndClosesTheSocket()
    {
        await using var server = RawTcpTestServer.Start(RawFault.Hang);
        var deadline = TimeSpan.FromMilliseconds(400);
        await using var client = await ClientFor(server.BaseAddress, o => o.CallTimeout = deadline);

        var clock = Stopwatch.StartNew();
        var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());
        var timedOutAfter = clock.Elapsed;
        Assert.Equal(TimeoutLimit.CallDeadline, Assert.IsType<CallTimeoutException>(error).Limit);
        Assert.InRange(timedOutAfter, deadline * 0.9, deadline + TimeSpan.FromSeconds(5));
        await server.WaitUntilAsync(s => s.OpenConnections == 0, new CancellationTokenSource(Bound).Token);

        using var caller = new CancellationTokenSource();
        var call = client.CallToolAsync("svc", "echo", cancellationToken: caller.Token).AsTask();
        await server.WaitUntilAsync(s => s.Requests == 2, new CancellationTokenSource(Bound).Token);
        clock.Restart();
        await caller.CancelAsync();
        var canceled = await Record.ExceptionAsync(() => call.WaitAsync(Bound));
        Assert.IsAssignableFrom<OperationCanceledException>(canceled);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), clock.Elapsed.ToString());
        await server.WaitUntilAsync(s => s.OpenConnections == 0, new CancellationTokenSource(Bound).Token);
        Assert.Equal(2, server.Requests);
    }

    /// <summary>Row 7: one byte of body and a flush every 20 ms, forever: only the call's total deadline ends it.</summary>
    [Fact]
    public async Task Row07_SlowLorisBody_EndsAtTheCallDeadline()
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
            context.Response.ContentLength = 1 << 20;
            var one = new[] { (byte)' ' };
            try
            {
                while (!context.RequestAborted.IsCancellationRequested)
                {
                    await context.Response.Body.WriteAsync(one, context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                    await Task.Delay(20, context.RequestAborted); // the fault's own pacing, not a wait for behaviour
                }
            }
            catch (OperationCanceledException)
            {
            }

            return true;
        };
        var deadline = TimeSpan.FromMilliseconds(600);
        await using var client = await ClientFor(service.BaseAddress, o => o.CallTimeout = deadline);

        var clock = Stopwatch.StartNew();
        var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());
        clock.Stop();

        Assert.Equal(TimeoutLimit.CallDeadline, Assert.IsType<CallTimeoutException>(error).Limit);
        Assert.InRange(clock.Elapsed, deadline * 0.9, deadline + TimeSpan.FromSeconds(5));
        Assert.Equal(1, Volatile.Read(ref requests));
        await service.Counters.WaitForOpenConnectionsAsync(0, new CancellationTokenSource(Bound).Token); // the slow socket is closed
    }

    /// <summary>Row 8: every call fails with 503 and may be retried 3 times, but the retry budget (defaults: 20 % of calls
    /// plus a reserve of 10/s × 10 s) holds the server's attempts far below the 4 per call retries alone would allow.</summary>
    [Fact]
    public async Task Row08_503Storm_RetriesStayWithinTheBudget()
    {
        const int Calls = 1000;
        await using var service = await TestMcpService.StartAsync();
        service.Faults.ErrorRate = 1;
        await using var client = await ClientFor(service.BaseAddress, o =>
        {
            o.Retry = new RetryOptions { MaxRetries = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(5) };
            o.CircuitBreaker = CircuitBreakerOptions.Disabled; // the breaker would hide the budget; FaultTests covers it
            o.Queue.Capacity = Calls;
            o.Queue.FullMode = QueueFullMode.Wait; // every call reaches the wire: shedding is not what this row measures
        });

        var calls = Enumerable.Range(0, Calls).Select(_ => Failure(client.CallToolAsync("svc", "echo").AsTask())).ToArray();
        var errors = await Task.WhenAll(calls);

        Assert.All(errors, e => Assert.Equal(503, e.StatusCode));
        var attempts = service.Counters.ToolRequests("echo");
        Assert.Equal(errors.Sum(e => (long)e.Attempts), attempts);
        Assert.InRange(attempts, Calls + 1, (long)(Calls * 1.2) + 100);
    }

    /// <summary>Row 11: a client error is the caller's problem: not retried, and the breaker (5 consecutive failures
    /// by default) does not open however many there are.</summary>
    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(409)]
    [InlineData(422)]
    public async Task Row11_ClientErrorStatus_IsNotRetriedNorCountedByTheBreaker(int status)
    {
        await using var service = await TestMcpService.StartAsync();
        service.Faults.FailNext("echo", 8, status);
        await using var client = await ClientFor(service.BaseAddress, o => o.Retry = new RetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1) });

        for (var i = 0; i < 8; i++)
        {
            var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());
            Assert.Equal(FailureKind.HttpStatus, error.FailureKind);
            Assert.Equal(status, error.StatusCode);
            Assert.Equal(1, error.Attempts);
            Assert.True(error.Message.Length < 1536, $"message of {error.Message.Length} chars");
        }

        using var ok = await client.CallToolAsync("svc", "echo").AsTask().WaitAsync(Bound); // not CircuitOpenException
        Assert.Equal(9, service.Counters.ToolRequests("echo"));
    }

    /// <summary>Row 15: a redirect to another origin is never followed, whatever its status; the other origin sees nothing.</summary>
    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task Row15_CrossOriginRedirect_IsNotFollowedAndTheOtherOriginSeesNoRequest(int status)
    {
        await using var other = await TestMcpService.StartAsync();
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { RequiredBearerToken = "secret-token" });
        var redirected = 0;
        service.Faults.Intercept = context =>
        {
            if (!IsToolCall(context))
            {
                return ValueTask.FromResult(false);
            }

            Interlocked.Increment(ref redirected);
            context.Response.StatusCode = status;
            context.Response.Headers.Location = new Uri(other.BaseAddress, context.Request.Path.Value!.TrimStart('/')).ToString();
            return ValueTask.FromResult(true);
        };
        await using var client = await ClientFor(service.BaseAddress, o =>
        {
            o.Http.BearerTokenProvider = BearerTokenProvider.FromDelegate(_ => new ValueTask<string>("secret-token"));
            o.Retry = new RetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1) };
        });

        var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());

        Assert.Equal(FailureKind.HttpStatus, error.FailureKind);
        Assert.Equal(status, error.StatusCode);
        Assert.Equal(1, error.Attempts); // a redirect is not transient: not retried
        Assert.Equal(1, Volatile.Read(ref redirected));
        Assert.Equal(0, other.Counters.TotalRequests);
        Assert.DoesNotContain("secret-token", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Row 16: a 200 whose body is an HTML page (a proxy's error page), on both protocols.</summary>
    [Theory]
    [InlineData(McpProtocol.Rest)]
    [InlineData(McpProtocol.StreamableHttp)]
    public async Task Row16_WrongContentType_IsAProtocolErrorWithABoundedMessage(McpProtocol protocol)
    {
        await using var service = await TestMcpService.StartAsync();
        var pages = 0;
        var page = "<html><body>" + new string('x', 64 * 1024) + "</body></html>";
        service.Faults.Intercept = async context =>
        {
            if (!IsToolCall(context) && !IsMcpToolCall(context))
            {
                return false;
            }

            Interlocked.Increment(ref pages);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(page, context.RequestAborted);
            return true;
        };
        var address = protocol == McpProtocol.Rest ? service.BaseAddress : service.McpAddress;
        await using var client = await ClientFor(address, o => o.Protocol = protocol);

        var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());

        Assert.IsType<ServiceProtocolException>(error);
        Assert.Equal(FailureKind.ProtocolError, error.FailureKind);
        Assert.Equal(1, error.Attempts); // a protocol error is not transient
        Assert.Equal(1, Volatile.Read(ref pages));
        Assert.True(error.Message.Length < 2048, $"message of {error.Message.Length} chars");
    }

    /// <summary>Row 17, declared size: a Content-Length of 10 GiB is refused without waiting for the body.</summary>
    [Fact]
    public async Task Row17_DeclaredBodyOverMaxResponseBytes_IsRefusedBeforeTheBodyArrives()
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
            context.Response.ContentLength = 10L << 30;
            await context.Response.Body.WriteAsync("{\"content\":["u8.ToArray(), context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted); // the rest never comes
            }
            catch (OperationCanceledException)
            {
            }

            return true;
        };
        await using var client = await ClientFor(service.BaseAddress, o =>
        {
            o.Http.MaxResponseBytes = 1 << 20;
            o.CallTimeout = Bound;
        });

        var error = await Failure(client.CallToolAsync("svc", "echo").AsTask());

        Assert.IsType<ServiceProtocolException>(error);
        Assert.Equal(1, error.Attempts);
        Assert.Equal(1, Volatile.Read(ref requests));
    }

    /// <summary>Accepts nothing on <paramref name="endPoint"/> and connects until a connect no longer completes: from then
    /// on the kernel drops new SYNs (Linux, accept queue full), so a connect hangs instead of being refused.</summary>
    internal static async Task<List<Socket>> SaturateAcceptQueueAsync(IPEndPoint endPoint)
    {
        var fillers = new List<Socket>();
        for (var i = 0; i < 256; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var attempt = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await socket.ConnectAsync(endPoint, attempt.Token);
                fillers.Add(socket);
            }
            catch (OperationCanceledException)
            {
                socket.Dispose();
                return fillers; // this connect hung: the queue is full
            }
        }

        foreach (var filler in fillers)
        {
            filler.Dispose();
        }

        throw new InvalidOperationException("The accept queue never filled: this platform cannot make a connect hang on loopback.");
    }

    internal static bool IsToolCall(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/tool", StringComparison.Ordinal);

    /// <summary>Every POST of the MCP endpoint, initialize included: the page is wrong wherever it comes.</summary>
    private static bool IsMcpToolCall(HttpContext context) =>
        HttpMethods.IsPost(context.Request.Method) && context.Request.Path.StartsWithSegments("/mcp", StringComparison.Ordinal);

    private async Task<NetworkMcpClient> ClientFor(Uri address, Action<McpServiceOptions>? configure = null, TimeProvider? time = null)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("svc", address);
        var options = new NetworkMcpClientOptions { Discovery = discovery, TimeProvider = time ?? TimeProvider.System };
        options.DefaultServiceOptions.Http.Engine = engine;
        options.DefaultServiceOptions.Retry = new RetryOptions { MaxRetries = 0, BaseDelay = TimeSpan.FromMilliseconds(1) };
        configure?.Invoke(options.DefaultServiceOptions);
        return new NetworkMcpClient(options);
    }

    private static async Task<ServiceCallException> Failure(Task task)
    {
        var ex = await Record.ExceptionAsync(() => task.WaitAsync(Bound));
        return Assert.IsAssignableFrom<ServiceCallException>(ex);
    }
}

/// <summary>The matrix rows on the default engine (<see cref="SocketsHttpHandler"/>).</summary>
public sealed class FaultMatrixTestsOnSocketsHttpHandler() : FaultMatrixTests(HttpEngineKind.SocketsHttpHandler);

/// <summary>The matrix rows on the direct HTTP/1.1 engine.</summary>
public sealed class FaultMatrixTestsOnDirectEngine() : FaultMatrixTests(HttpEngineKind.Direct);
