using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.LegacySse;

/// <summary>
/// A small legacy HTTP+SSE server in Kestrel (127.0.0.1, port 0) whose answers a test sets: what a POST to the SSE
/// URL gets (the probe), what the endpoint event announces, and whether the stream ends after a response. It
/// answers <c>initialize</c> (2024-11-05) and <c>tools/list</c> on the stream, and counts every request.
/// </summary>
internal sealed class ScriptedLegacyServer : IAsyncDisposable
{
    private readonly Channel<string> _outbound = Channel.CreateUnbounded<string>();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, TaskCompletionSource> _getSignals = new();
    private WebApplication? _app;
    private int _streamPosts;
    private int _streamGets;
    private int _messagePosts;

    private ScriptedLegacyServer()
    {
    }

    /// <summary>The SSE URL, <c>http://127.0.0.1:{port}/sse</c>.</summary>
    public Uri SseUrl { get; private set; } = null!;

    /// <summary>The status and body a POST to the SSE URL gets (the probe's initialize); 405 by default.</summary>
    public (int Status, string? JsonBody) ProbeAnswer { get; set; } = (405, null);

    /// <summary>The status a GET of the SSE URL gets when not 200 (null: the stream is served).</summary>
    public int? StreamRefusal { get; set; }

    /// <summary>The endpoint event's data; null for <c>/message?sessionId=s{n}</c> on this server.</summary>
    public string? AnnouncedEndpoint { get; set; }

    /// <summary>When true, every GET of the SSE URL is aborted before its response (a broken connection).</summary>
    public bool AbortStreams { get; set; }

    /// <summary>When true, the stream ends after it delivered a tools/list response.</summary>
    public bool EndStreamAfterToolsList { get; set; }

    public int StreamPosts => Volatile.Read(ref _streamPosts);

    public int StreamGets => Volatile.Read(ref _streamGets);

    /// <summary>Completes once the SSE URL was requested <paramref name="count"/> times.</summary>
    public Task StreamRequested(int count) => _getSignals.GetOrAdd(count, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public int MessagePosts => Volatile.Read(ref _messagePosts);

    public static async Task<ScriptedLegacyServer> StartAsync()
    {
        var server = new ScriptedLegacyServer();
        (server._app, var baseAddress) = await LegacyClients.StartKestrelAsync(_ => { }, app =>
        {
            app.MapPost("/sse", server.OnProbeAsync);
            app.MapGet("/sse", server.OnStreamAsync);
            app.MapPost("/message", server.OnMessageAsync);
        });
        server.SseUrl = new Uri(baseAddress, "/sse");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        _outbound.Writer.TryComplete();
        if (_app is not null)
        {
            await LegacyClients.StopAsync(_app);
        }
    }

    private async Task OnProbeAsync(HttpContext context)
    {
        Interlocked.Increment(ref _streamPosts);
        context.Response.StatusCode = ProbeAnswer.Status;
        if (ProbeAnswer.JsonBody is { } body)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(body);
        }
    }

    private async Task OnStreamAsync(HttpContext context)
    {
        var n = Interlocked.Increment(ref _streamGets);
        _getSignals.GetOrAdd(n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        if (AbortStreams)
        {
            context.Abort();
            return;
        }

        if (StreamRefusal is { } refusal)
        {
            context.Response.StatusCode = refusal;
            return;
        }

        context.Response.ContentType = "text/event-stream";
        await context.Response.WriteAsync($"event: endpoint\ndata: {AnnouncedEndpoint ?? $"/message?sessionId=s{n}"}\n\n");
        await context.Response.Body.FlushAsync();
        try
        {
            await foreach (var message in _outbound.Reader.ReadAllAsync(context.RequestAborted))
            {
                await context.Response.WriteAsync($"event: message\ndata: {message}\n\n");
                await context.Response.Body.FlushAsync();
                if (EndStreamAfterToolsList && message.Contains("\"result\":{\"tools\"", StringComparison.Ordinal))
                {
                    return; // the server drops the stream (and with it the session)
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away.
        }
    }

    private async Task OnMessageAsync(HttpContext context)
    {
        Interlocked.Increment(ref _messagePosts);
        using var document = await JsonDocument.ParseAsync(context.Request.Body);
        var root = document.RootElement;
        context.Response.StatusCode = 202;
        if (!root.TryGetProperty("id", out var id))
        {
            return; // a notification
        }

        var result = root.GetProperty("method").GetString() switch
        {
            "initialize" => """{"protocolVersion":"2024-11-05","capabilities":{"tools":{}},"serverInfo":{"name":"scripted-legacy","version":"1"}}""",
            "tools/list" => """{"tools":[{"name":"noop","inputSchema":{"type":"object"}}]}""",
            _ => null,
        };
        var reply = result is null
            ? $$$"""{"jsonrpc":"2.0","id":{{{id.GetRawText()}}},"error":{"code":-32601,"message":"not here"}}"""
            : $$$"""{"jsonrpc":"2.0","id":{{{id.GetRawText()}}},"result":{{{result}}}}""";
        await _outbound.Writer.WriteAsync(reply);
    }
}
