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

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Client;

/// <summary>
/// Resource subscriptions against a scripted Streamable HTTP server in Kestrel on 127.0.0.1: the standalone GET
/// stream ends and is reopened with <c>Last-Event-ID</c>; a GET answered 409 is a typed error with no retry storm.
/// </summary>
public sealed class ScriptedSubscriptionServerTests : IAsyncLifetime
{
    private const string Uri = "test://scripted/a";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<string> _getLog = new();
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;
    private Uri _endpoint = null!;
    private int _gets;

    /// <summary>What every GET answers: 200 with the script, or this status.</summary>
    private int _getStatus = 200;

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

    [Fact]
    public async Task StreamEnds_IsReopenedWithLastEventId_AndUpdatesContinue()
    {
        await using var client = await CreateClientAsync();
        using var cts = new CancellationTokenSource(Bound);
        await using var updates = client.SubscribeResourceAsync("mcp", Uri).GetAsyncEnumerator(cts.Token);

        Assert.True(await updates.MoveNextAsync().AsTask().WaitAsync(cts.Token)); // on the first GET, which then ends
        Assert.Equal(Uri, updates.Current.Uri);
        Assert.True(await updates.MoveNextAsync().AsTask().WaitAsync(cts.Token)); // on the reopened GET
        Assert.Equal(Uri, updates.Current.Uri);

        Assert.Equal(["(none)", "e2"], _getLog.ToArray());
        Assert.Equal(2, Assert.IsType<StreamableHttpTransport>(client.GetTransport("mcp")).StandaloneOpens);
        Assert.Equal(1, Assert.IsType<StreamableHttpTransport>(client.GetTransport("mcp")).InitializeCount);
        await cts.CancelAsync(); // a pending read would block dispose; there is none
    }

    [Fact]
    public async Task Get409_IsTypedResourceStreamException_WithOneGetOnly()
    {
        _getStatus = 409;
        await using var client = await CreateClientAsync();
        using var cts = new CancellationTokenSource(Bound);

        var ex = await Assert.ThrowsAsync<ResourceStreamException>(async () =>
        {
            await foreach (var unused in client.SubscribeResourceAsync("mcp", Uri, cts.Token))
            {
            }
        });

        Assert.Equal(409, ex.StatusCode);
        Assert.Equal(1, Volatile.Read(ref _gets));
        Assert.False(_subscribed.Task.IsCompleted);
    }

    private async Task<NetworkMcpClient> CreateClientAsync()
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("mcp", _endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        options.DefaultServiceOptions.Retry.MaxRetries = 0;
        return new NetworkMcpClient(options);
    }

    private async Task HandlePostAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        var method = root.GetProperty("method").GetString();
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
                result = """{"protocolVersion":"2025-11-25","capabilities":{"resources":{"subscribe":true}},"serverInfo":{"name":"scripted","version":"1"}}""";
                break;
            case "resources/subscribe":
                _subscribed.TrySetResult();
                result = "{}";
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
        var n = Interlocked.Increment(ref _gets);
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        _getLog.Enqueue(lastEventId.Length == 0 ? "(none)" : lastEventId);
        if (_getStatus != 200)
        {
            context.Response.StatusCode = _getStatus;
            return;
        }

        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync(n == 1 ? "id: e1\nretry: 0\ndata: \n\n" : "retry: 0\n\n");
        await context.Response.Body.FlushAsync();
        await _subscribed.Task.WaitAsync(context.RequestAborted);
        var update = """{"jsonrpc":"2.0","method":"notifications/resources/updated","params":{"uri":""" + "\"" + Uri + "\"}}";
        await context.Response.WriteAsync($"id: e{n + 1}\ndata: {update}\n\n");
        await context.Response.Body.FlushAsync();
        if (n == 1)
        {
            return; // the first stream ends here: the client reopens it with Last-Event-ID: e2
        }

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
