using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Cortex.Mcp.Fast.Transports.StreamableHttp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Client;

/// <summary>
/// The standalone GET stream against a scripted Streamable HTTP server in Kestrel on 127.0.0.1: a hostile stream
/// (<c>retry: 0</c>, one empty event, close) cannot make the client reconnect in a storm, and a client that declares
/// server-request capabilities opens the stream on which servers send those requests.
/// </summary>
public sealed class ScriptedStandaloneStreamTests : IAsyncLifetime, IDisposable
{
    private const string Uri = "test://scripted/a";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<DateTimeOffset> _getTimes = new();
    private readonly SemaphoreSlim _getArrived = new(0);
    private readonly TaskCompletionSource<HttpResponse> _standalone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;
    private Uri _endpoint = null!;
    private TimeProvider _serverClock = TimeProvider.System;
    private bool _storm;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/mcp", HandlePostAsync);
        _app.MapGet("/mcp", HandleGetAsync);
        _app.MapDelete("/mcp", () => Results.StatusCode(200));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _endpoint = new Uri(new Uri(address), "/mcp");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    public void Dispose() => _getArrived.Dispose();

    [Fact]
    public async Task StormingStream_RetryZeroEmptyEventThenClose_BacksOffAndEndsTyped()
    {
        // Defect: every GET answered "retry: 0", one empty event, close was reopened ~2,500 times a second forever.
        _storm = true;
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        _serverClock = clock;
        await using var client = await CreateClientAsync(clock);
        using var cts = new CancellationTokenSource(Bound);
        var subscription = Task.Run(async () =>
        {
            await foreach (var unused in client.SubscribeResourceAsync("mcp", Uri, cts.Token))
            {
            }
        });

        // Drive the fake clock only while the client waits for its next reconnect; each GET is an explicit signal.
        for (var turn = 0; turn < 400 && !subscription.IsCompleted; turn++)
        {
            if (!await _getArrived.WaitAsync(TimeSpan.FromMilliseconds(20), cts.Token))
            {
                clock.Advance(TimeSpan.FromMilliseconds(250));
            }
        }

        var ex = await Assert.ThrowsAsync<ResourceStreamException>(() => subscription.WaitAsync(cts.Token));
        Assert.Equal(FailureKind.NetworkError, ex.FailureKind);

        // Repeated failures back off from 250 ms (500 ms, 1 s, 2 s, 4 s) and after MaxReconnectAttempts (5) failed
        // reconnections the stream ends. (The first reconnect waits exactly the server's retry, here 0; this loop
        // may advance the fake clock while that reconnect is on its way, so its exactness is pinned by the
        // ReconnectPolicy unit tests instead. Lower bounds cannot be inflated by the driving loop.)
        var times = _getTimes.ToArray();
        Assert.Equal(6, times.Length);
        var gaps = times.Zip(times.Skip(1), (a, b) => b - a).ToArray();
        TimeSpan[] floors = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4)];
        for (var i = 0; i < floors.Length; i++)
        {
            Assert.True(gaps[i + 1] >= floors[i], $"reconnect {i + 2} waited {gaps[i + 1]}, less than {floors[i]}");
        }
    }

    [Fact]
    public async Task SamplingHandler_OpensTheStandaloneStream_WhereTheServerSendsItsRequests()
    {
        // Defect: the standalone stream was opened only for subscriptions, so a sampling request sent on it was
        // dropped by the server and the tool call that needed it hung to its deadline.
        var invoked = new TaskCompletionSource<McpSamplingRequest>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await CreateClientAsync(TimeProvider.System, (request, _) =>
        {
            invoked.TrySetResult(request);
            return ValueTask.FromResult(new McpSamplingResult { Content = McpContentBlock.FromText("sampled"), Model = "m" });
        });
        using var cts = new CancellationTokenSource(Bound);

        using var result = await client.CallToolAsync("mcp", "ask", default(JsonElement), cancellationToken: cts.Token);

        Assert.Equal(5, (await invoked.Task.WaitAsync(cts.Token)).MaxTokens);
        Assert.Contains("sampled", await _answer.Task.WaitAsync(cts.Token), StringComparison.Ordinal);
        Assert.Equal("sampled", result.Json.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.True(Assert.IsType<StreamableHttpTransport>(client.GetTransport("mcp")).StandaloneOpens >= 1);
    }

    private async Task<NetworkMcpClient> CreateClientAsync(TimeProvider clock, McpSamplingHandler? sampling = null)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("mcp", _endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery, TimeProvider = clock };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        options.DefaultServiceOptions.Retry.MaxRetries = 0;
        options.DefaultServiceOptions.Mcp.SamplingHandler = sampling;
        return new NetworkMcpClient(options);
    }

    private async Task HandlePostAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        if (!root.TryGetProperty("method", out var methodElement))
        {
            _answer.TrySetResult(root.GetRawText()); // our request's answer, POSTed by the client
            context.Response.StatusCode = 202;
            return;
        }

        var method = methodElement.GetString();
        if (!root.TryGetProperty("id", out var id))
        {
            context.Response.StatusCode = 202; // a notification
            return;
        }

        string result;
        switch (method)
        {
            case "initialize":
                context.Response.Headers[McpHeaders.SessionId] = "scripted-session";
                result = """{"protocolVersion":"2025-11-25","capabilities":{"resources":{"subscribe":true},"tools":{}},"serverInfo":{"name":"scripted","version":"1"}}""";
                break;
            case "tools/call":
                // Like the official servers: the request goes out on the standalone stream (dropped if none is
                // open), and the tool answers once the client answered it.
                var stream = await _standalone.Task.WaitAsync(TimeSpan.FromSeconds(10), context.RequestAborted);
                await stream.WriteAsync("id: s1\ndata: {\"jsonrpc\":\"2.0\",\"id\":\"srv-1\",\"method\":\"sampling/createMessage\",\"params\":{\"messages\":[],\"maxTokens\":5}}\n\n", context.RequestAborted);
                await stream.Body.FlushAsync(context.RequestAborted);
                using (var answer = JsonDocument.Parse(await _answer.Task.WaitAsync(TimeSpan.FromSeconds(10), context.RequestAborted)))
                {
                    var text = answer.RootElement.GetProperty("result").GetProperty("content").GetProperty("text").GetString();
                    result = $$"""{"content":[{"type":"text","text":"{{text}}"}]}""";
                }

                break;
            default:
                result = "{}";
                break;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"jsonrpc":"2.0","id":{{id.GetRawText()}},"result":{{result}}}""");
    }

    private async Task HandleGetAsync(HttpContext context)
    {
        _getTimes.Enqueue(_serverClock.GetUtcNow());
        _getArrived.Release();
        context.Response.ContentType = "text/event-stream";
        if (_storm)
        {
            await context.Response.WriteAsync("retry: 0\ndata: \n\n");
            return; // closes at once
        }

        await context.Response.Body.FlushAsync();
        _standalone.TrySetResult(context.Response);
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // The client closed the stream.
        }
    }
}
