using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>
/// Defects of the REST path fixed by the Http/ and Streams/ rework (main, "Transports: Http/ (engine, …"), over real
/// sockets. Each test names how the code before that commit failed it.
/// </summary>
public abstract class RestHardeningTests(HttpEngineKind engine)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    /// <summary>Before: the error reader caught only JsonException, so GetString's InvalidOperationException on the
    /// invalid byte escaped as an unexpected failure (FailureKind.Other, StatusCode 0): not retried, status lost.</summary>
    [Fact]
    public async Task ErrorBodyWithInvalidUtf8_KeepsTheStatusIsRetriedAndCountsAgainstTheBreaker()
    {
        var requests = new RequestLog();
        await using var server = RawTcpTestServer.Start(requests.Answer(_ => Http(503, "application/json", [.. "{\"detail\":\"bad "u8, 0xFF, .. "\"}"u8])));
        await using var client = await ClientFor(server, o =>
        {
            o.Retry = new RetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1) };
            o.CircuitBreaker = new CircuitBreakerOptions { FailureThreshold = 3, BreakDuration = TimeSpan.FromMinutes(5) };
        });

        var error = await Failure(client.CallToolAsync("raw", "echo").AsTask());

        Assert.IsType<ServiceCallException>(error);
        Assert.Equal(503, error.StatusCode);
        Assert.Equal(FailureKind.HttpStatus, error.FailureKind);
        Assert.Equal(3, error.Attempts);
        Assert.Contains("bad", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, requests.Count);

        // Three 503s were three breaker failures: the circuit is open and the server sees nothing more.
        Assert.Equal(CircuitState.Open, client.GetDiagnostics().Services["raw"].CircuitState);
        Assert.IsType<CircuitOpenException>(await Failure(client.CallToolAsync("raw", "echo").AsTask()));
        Assert.Equal(3, requests.Count);
    }

    /// <summary>Before: the well-formedness check used only Utf8JsonReader, which does not validate UTF-8 inside
    /// strings it does not decode, so the result was returned and the caller met the invalid bytes later.</summary>
    [Fact]
    public async Task ToolResultWithInvalidUtf8_IsAProtocolErrorAndNotRetried()
    {
        var requests = new RequestLog();
        await using var server = RawTcpTestServer.Start(requests.Answer(_ => Http(200, "application/json", [.. "{\"echo\":\"bad "u8, 0xFF, .. "\"}"u8])));
        await using var client = await ClientFor(server, o => o.Retry = new RetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1) });

        var error = await Failure(client.CallToolAsync("raw", "echo").AsTask());

        Assert.IsType<ServiceProtocolException>(error);
        Assert.Equal(FailureKind.ProtocolError, error.FailureKind);
        Assert.Equal(1, error.Attempts);
        Assert.Equal(1, requests.Count);
    }

    /// <summary>Before: items were parsed without a UTF-8 check, so an item with an invalid byte inside a string was
    /// handed out (and failed later, in the caller's GetString) instead of being skipped and counted.</summary>
    [Fact]
    public async Task StreamItemWithInvalidUtf8_IsSkippedAndCountedAndLaterItemsArrive()
    {
        var logs = new LogCapture();
        byte[] body =
        [
            .. "id: 0\ndata: {\"index\":0}\n\n"u8,
            .. "id: 1\ndata: {\"index\":1,\"text\":\"bad "u8, 0xFF, .. "\"}\n\n"u8,
            .. "id: 2\ndata: {\"index\":2}\n\n"u8,
        ];
        var requests = new RequestLog();
        await using var server = RawTcpTestServer.Start(requests.Answer(_ => Http(200, "text/event-stream", body)));
        await using var client = await ClientFor(server, configureClient: o => o.LoggerFactory = logs);

        var items = new List<int>();
        await foreach (var item in client.GetResourceAsync("raw", "mixed").WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            items.Add(item.GetProperty("index").GetInt32());
        }

        Assert.Equal([0, 2], items);
        Assert.Equal(1, client.GetDiagnostics().Services["raw"].InvalidStreamItems);
        Assert.Single(logs.Lines, l => l.Contains("Skipped an invalid JSON item", StringComparison.Ordinal));
        Assert.Equal(1, requests.Count);
    }

    public static TheoryData<string, string, string> EchoForms => new()
    {
        { "raw token in a JSON detail", "application/json", "{\"detail\":\"token {token} is not allowed here\"}" },
        { "Bearer form in plain text", "text/plain", "rejected: Authorization: Bearer {token}" },
        { "Bearer form in a JSON message", "application/json", "{\"message\":\"invalid credentials Bearer {token}\"}" },
        { "JSON authorization field", "application/json", "{\"detail\":{\"authorization\":\"{token}\"}}" },
        { "JSON-RPC error message", "application/json", "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32001,\"message\":\"bad token {token}\"}}" },
    };

    /// <summary>Before: the error detail went into the exception message as the server wrote it.</summary>
    [Theory]
    [MemberData(nameof(EchoForms))]
    public async Task TokenEchoedInAnErrorBody_NeverReachesMessagesOrLogs(string form, string mediaType, string template)
    {
        var token = "s3cret-" + Guid.NewGuid().ToString("N");
        var logs = new LogCapture();
        await using var h = await ClientHarness.StartAsync(engine, o =>
        {
            o.LoggerFactory = logs;
            o.DefaultServiceOptions.Http.BearerTokenProvider = BearerTokenProvider.FromStatic(token);
            o.DefaultServiceOptions.Retry = new RetryOptions { MaxRetries = 1, BaseDelay = TimeSpan.FromMilliseconds(1) };
        });
        h.Service.Faults.Intercept = context => EchoAsync(context, mediaType, template);

        var call = await h.FailureOf(h.Call("echo").AsTask());
        var stream = await h.FailureOf(Drain(h.Client.GetResourceAsync("svc", "events/3", h.Timeout)));

        var callError = Assert.IsType<ServiceCallException>(call);
        Assert.Equal(503, callError.StatusCode);
        Assert.Equal(2, callError.Attempts);
        Assert.Equal(503, Assert.IsType<ResourceStreamException>(stream).StatusCode);
        foreach (var text in new[] { call.Message, call.ToString(), stream.Message, stream.ToString(), h.Client.GetDiagnostics().ToString()! }.Concat(logs.Lines))
        {
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain(token[..12], text, StringComparison.Ordinal);
        }

        Assert.Contains(logs.Lines, l => l.Contains("retrying", StringComparison.Ordinal)); // the capture did see the failure path
        Assert.Contains("[redacted]", call.Message, StringComparison.Ordinal);
        _ = form;
    }

    /// <summary>Before: no stall rule existed; a line that never completed held the stream (and its slot) forever.</summary>
    [Fact]
    public async Task TrickleInsideALine_EndsAtTheLineProgressTimeout()
    {
        var requests = new RequestLog();
        await using var server = RawTcpTestServer.Start(requests.Stream("id: 0\ndata: {\"index\":0}\n\ndata: {\"ind", "x", TimeSpan.FromMilliseconds(50)));
        await using var client = await ClientFor(server, o => o.Streams.LineProgressTimeout = TimeSpan.FromMilliseconds(300));
        var items = new List<int>();

        var error = await Failure(Drain(client.GetResourceAsync("raw", "trickle", new CancellationTokenSource(Bound).Token), items));

        var stream = Assert.IsType<ResourceStreamException>(error);
        Assert.Equal(FailureKind.Timeout, stream.FailureKind);
        Assert.Equal(TimeoutLimit.LineProgress, Assert.IsType<TransportFailure>(stream.InnerException).Limit);
        Assert.Equal([0], items);
        Assert.Equal(1, requests.Count);
        Assert.Equal(0, client.GetDiagnostics().Services["raw"].OpenStreams);
    }

    /// <summary>Before: comments kept every idle rule quiet and nothing watched event progress.</summary>
    [Fact]
    public async Task HeartbeatsOnly_EndAtTheEventProgressTimeout()
    {
        var requests = new RequestLog();
        await using var server = RawTcpTestServer.Start(requests.Stream(":\n", ":\n", TimeSpan.FromMilliseconds(50)));
        await using var client = await ClientFor(server, o => o.Streams.EventProgressTimeout = TimeSpan.FromMilliseconds(300));

        var error = await Failure(Drain(client.GetResourceAsync("raw", "heartbeats", new CancellationTokenSource(Bound).Token)));

        var stream = Assert.IsType<ResourceStreamException>(error);
        Assert.Equal(FailureKind.Timeout, stream.FailureKind);
        Assert.Equal(TimeoutLimit.EventProgress, Assert.IsType<TransportFailure>(stream.InnerException).Limit);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task HeartbeatsOnly_WithoutAnEventLimit_KeepGoingUntilCancelled(bool shortLineLimit)
    {
        // 40 heartbeats 20 ms apart: four times a short line limit, and complete lines never trip it.
        var requests = new RequestLog();
        await using var server = RawTcpTestServer.Start(requests.Stream(":\n", ":\n", TimeSpan.FromMilliseconds(20)));
        await using var client = await ClientFor(server, o =>
        {
            if (shortLineLimit)
            {
                o.Streams.LineProgressTimeout = TimeSpan.FromMilliseconds(200);
            }
        });
        using var cts = new CancellationTokenSource(Bound);
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        var reading = Drain(client.GetResourceAsync("raw", "heartbeats", caller.Token));

        await requests.WaitForWritesAsync(40, cts.Token);
        Assert.False(reading.IsCompleted);
        await caller.CancelAsync();

        var ex = await Record.ExceptionAsync(() => reading.WaitAsync(cts.Token));
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
    }

    /// <summary>Before: stalled streams never ended, so four of them held every slot and the fifth read waited out
    /// its open timeout.</summary>
    [Fact]
    public async Task StalledStreams_GiveTheirSlotsBack()
    {
        var requests = new RequestLog();
        await using var server = RawTcpTestServer.Start(RawFault.Custom(async (pipe, ct) =>
        {
            var head = await requests.ReadAsync(pipe.Input, ct);
            if (head is null)
            {
                return;
            }

            if (head.Contains("/resource/ok", StringComparison.Ordinal))
            {
                await pipe.Output.WriteAsync(Http(200, "text/event-stream", "id: 0\ndata: {\"index\":0}\n\nid: 1\ndata: {\"index\":1}\n\n"u8.ToArray()), ct);
                return;
            }

            await RequestLog.TrickleAsync(pipe.Output, "data: {\"ind", "x", TimeSpan.FromMilliseconds(50), requests, ct);
        }));
        await using var client = await ClientFor(server, o =>
        {
            o.Streams.MaxConcurrent = 4;
            o.Streams.OpenTimeout = TimeSpan.FromSeconds(20);
            o.Streams.LineProgressTimeout = TimeSpan.FromMilliseconds(300);
            o.CircuitBreaker = CircuitBreakerOptions.Disabled;
        });
        using var cts = new CancellationTokenSource(Bound);

        var stalls = Enumerable.Range(0, 4).Select(i => Drain(client.GetResourceAsync("raw", "stall/" + i, cts.Token))).ToList();
        await requests.WaitForCountAsync(4, cts.Token);
        var items = new List<int>();
        var ok = Drain(client.GetResourceAsync("raw", "ok", cts.Token), items);

        foreach (var stall in stalls)
        {
            var stream = Assert.IsType<ResourceStreamException>(await Failure(stall));
            Assert.Equal(FailureKind.Timeout, stream.FailureKind);
        }

        await ok.WaitAsync(cts.Token);
        Assert.Equal([0, 1], items);
        Assert.Equal(5, requests.Count);
        Assert.Equal(0, client.GetDiagnostics().Services["raw"].OpenStreams);
    }

    private static async ValueTask<bool> EchoAsync(HttpContext context, string mediaType, string template)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var token = authorization.StartsWith("Bearer ", StringComparison.Ordinal) ? authorization["Bearer ".Length..] : "(none)";
        context.Response.StatusCode = 503;
        context.Response.ContentType = mediaType;
        await context.Response.WriteAsync(template.Replace("{token}", token, StringComparison.Ordinal), context.RequestAborted);
        return true;
    }

    private static async Task Drain(IAsyncEnumerable<JsonElement> items, List<int>? into = null)
    {
        await foreach (var item in items)
        {
            into?.Add(item.GetProperty("index").GetInt32());
        }
    }

    private static byte[] Http(int status, string mediaType, byte[] body) =>
        [.. Encoding.ASCII.GetBytes($"HTTP/1.1 {status} X\r\nContent-Type: {mediaType}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), .. body];

    private async Task<NetworkMcpClient> ClientFor(RawTcpTestServer server, Action<McpServiceOptions>? configure = null, Action<NetworkMcpClientOptions>? configureClient = null)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("raw", server.BaseAddress);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Http.Engine = engine;
        options.DefaultServiceOptions.Retry = new RetryOptions { MaxRetries = 0 };
        configure?.Invoke(options.DefaultServiceOptions);
        configureClient?.Invoke(options);
        return new NetworkMcpClient(options);
    }

    private static async Task<ServiceCallException> Failure(Task task)
    {
        var ex = await Record.ExceptionAsync(() => task.WaitAsync(Bound));
        Assert.IsNotType<TimeoutException>(ex);
        return Assert.IsAssignableFrom<ServiceCallException>(ex);
    }

    /// <summary>Request heads a raw server read, and how many paced writes it made, with waits on both.</summary>
    private sealed class RequestLog
    {
        private readonly ConcurrentQueue<string> _heads = new();
        private readonly Channel<bool> _requests = Channel.CreateUnbounded<bool>();
        private readonly Channel<bool> _writes = Channel.CreateUnbounded<bool>();

        public int Count => _heads.Count;

        public static async Task TrickleAsync(PipeWriter output, string first, string next, TimeSpan pace, RequestLog log, CancellationToken ct)
        {
            var result = await output.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n" + first), ct);
            var bytes = Encoding.ASCII.GetBytes(next);
            for (var i = 0; i < 2000 && !result.IsCompleted && !result.IsCanceled; i++)
            {
                await Task.Delay(pace, ct); // the server paces its own output
                result = await output.WriteAsync(bytes, ct);
                log._writes.Writer.TryWrite(true);
            }
        }

        public async Task<string?> ReadAsync(PipeReader input, CancellationToken ct)
        {
            var head = await RawFault.ReadRequestHeadAsync(input, ct);
            if (head is not null)
            {
                _heads.Enqueue(head);
                _requests.Writer.TryWrite(true);
            }

            return head;
        }

        public RawFault Answer(Func<string, byte[]> respond) => RawFault.Custom(async (pipe, ct) =>
        {
            if (await ReadAsync(pipe.Input, ct) is { } head)
            {
                await pipe.Output.WriteAsync(respond(head), ct);
            }
        });

        public RawFault Stream(string first, string next, TimeSpan pace) => RawFault.Custom(async (pipe, ct) =>
        {
            if (await ReadAsync(pipe.Input, ct) is not null)
            {
                await TrickleAsync(pipe.Output, first, next, pace, this, ct);
            }
        });

        public async Task WaitForCountAsync(int count, CancellationToken ct)
        {
            for (var i = 0; i < count; i++)
            {
                await _requests.Reader.ReadAsync(ct);
            }
        }

        public async Task WaitForWritesAsync(int count, CancellationToken ct)
        {
            for (var i = 0; i < count; i++)
            {
                await _writes.Reader.ReadAsync(ct);
            }
        }
    }
}

/// <summary>The suite on the default engine (<see cref="System.Net.Http.SocketsHttpHandler"/>).</summary>
public sealed class RestHardeningTestsOnSocketsHttpHandler() : RestHardeningTests(HttpEngineKind.SocketsHttpHandler);

/// <summary>The suite on the direct HTTP/1.1 engine.</summary>
public sealed class RestHardeningTestsOnDirectEngine() : RestHardeningTests(HttpEngineKind.Direct);
