using System.Collections.Concurrent;
using System.Net;
using System.Text;
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
/// The transport against a scripted Streamable HTTP server in Kestrel on 127.0.0.1: stream cuts and resumption,
/// a server ping on a resumed stream, replays of other requests' results, refused GETs, JSON replies, a 200 with a
/// body to notifications/initialized, and a DELETE answered 405.
/// </summary>
public sealed class ScriptedMcpServerTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<string> _log = new();
    private WebApplication? _app;
    private Uri _endpoint = null!;

    /// <summary>What GET (resumption) answers: 200 with the rest of the stream, or this status.</summary>
    private int _getStatus = 200;

    /// <summary>When true, tools/call replies with one JSON body instead of a cut stream.</summary>
    private bool _jsonReplies;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/mcp", HandlePostAsync);
        _app.MapGet("/mcp", HandleGetAsync);
        _app.MapDelete("/mcp", (HttpContext c) =>
        {
            _log.Enqueue("DELETE " + c.Request.Headers[McpHeaders.SessionId]);
            return Results.StatusCode(405);
        });
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

    private async Task HandlePostAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var method = root.TryGetProperty("method", out var m) ? m.GetString() : null;
        var id = root.TryGetProperty("id", out var i) ? i.GetRawText() : null;
        _log.Enqueue($"POST {method ?? "response:" + id} session={context.Request.Headers[McpHeaders.SessionId]} version={context.Request.Headers[McpHeaders.ProtocolVersion]}");
        switch (method)
        {
            case "initialize":
                context.Response.Headers[McpHeaders.SessionId] = "scripted-session-1";
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{\"jsonrpc\":\"2.0\",\"id\":" + id + ""","result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"scripted","version":"1"}}}""");
                return;
            case "notifications/initialized":
                // Tolerated: a 200 with a JSON body instead of 202.
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync("{}");
                return;
            case "tools/call" when _jsonReplies:
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$$"""{"jsonrpc":"2.0","id":{{{id}}},"result":{"content":[{"type":"text","text":"json reply"}]}}""");
                return;
            case "tools/call":
                // Priming (id, retry, empty data), one progress event, then the stream is cut before the response.
                context.Response.ContentType = "text/event-stream";
                var token = root.GetProperty("params").TryGetProperty("_meta", out var meta) ? meta.GetProperty("progressToken").GetRawText() : "0";
                await context.Response.WriteAsync("id: p1\nretry: 10\ndata: \n\n");
                await context.Response.WriteAsync($$$"""id: e1{{{"\n"}}}data: {"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":{{{token}}},"progress":1,"total":2}}{{{"\n\n"}}}""");
                PendingCallId = id;
                return;
            default:
                if (method is null)
                {
                    context.Response.StatusCode = 202; // our answer to the server's ping
                    return;
                }

                context.Response.StatusCode = 202;
                return;
        }
    }

    private string? PendingCallId { get; set; }

    private async Task HandleGetAsync(HttpContext context)
    {
        _log.Enqueue($"GET last-event-id={context.Request.Headers[McpHeaders.LastEventId]} accept={context.Request.Headers.Accept}");
        if (_getStatus != 200)
        {
            context.Response.StatusCode = _getStatus;
            return;
        }

        context.Response.ContentType = "text/event-stream";
        // Replays of another request's result and a non-JSON-RPC payload are ignored; a ping (id 0) is answered by POST;
        // then progress 2 and our result.
        await context.Response.WriteAsync("id: e0\ndata: {\"jsonrpc\":\"2.0\",\"id\":424242,\"result\":{\"content\":[]}}\n\n");
        await context.Response.WriteAsync("id: e0b\ndata: {}\n\n");
        await context.Response.WriteAsync("id: e2\ndata: {\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"ping\"}\n\n");
        await context.Response.WriteAsync($$$"""id: e3{{{"\n"}}}data: {"jsonrpc":"2.0","id":{{{PendingCallId}}},"result":{"content":[{"type":"text","text":"resumed"}]}}{{{"\n\n"}}}""");
    }

    private async Task<NetworkMcpClient> CreateClientAsync()
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("s", _endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        options.DefaultServiceOptions.Retry.MaxRetries = 0;
        return new NetworkMcpClient(options);
    }

    private static JsonElement Args => JsonDocument.Parse("{}").RootElement.Clone();

    [Fact]
    public async Task StreamCutBeforeResponse_ResumesByGetWithLastEventId_AnswersPing_IgnoresReplays()
    {
        await using var client = await CreateClientAsync();
        var reports = new ConcurrentQueue<McpProgress>();
        using var result = await client.CallToolAsync("s", "work", Args, new ToolCallOptions { Progress = new SyncProgress(reports.Enqueue) }).AsTask().WaitAsync(Bound);

        Assert.Contains("resumed", result.ToString(), StringComparison.Ordinal);
        Assert.Single(reports);
        var log = _log.ToArray();
        Assert.Contains(log, l => l.StartsWith("GET last-event-id=e1 accept=text/event-stream", StringComparison.Ordinal));
        Assert.Equal(1, log.Count(l => l.StartsWith("GET", StringComparison.Ordinal)));
        // The ping was answered by POST on the session, with the negotiated 2025-06-18.
        Assert.Contains(log, l => l == "POST response:0 session=scripted-session-1 version=2025-06-18");
        // The initialize request carried neither a session nor a version header.
        Assert.Contains(log, l => l == "POST initialize session= version=");
    }

    [Fact]
    public async Task StreamCut_ResumptionGetRefused_FailsTypedWithoutRetryStorm()
    {
        _getStatus = 405;
        await using var client = await CreateClientAsync();
        var ex = await Assert.ThrowsAsync<ServiceCallException>(() => client.CallToolAsync("s", "work", Args).AsTask().WaitAsync(Bound));
        Assert.Equal(FailureKind.NetworkError, ex.FailureKind);
        Assert.Equal(405, ex.StatusCode);
        Assert.Equal(1, _log.Count(l => l.StartsWith("GET", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task JsonReply_IsRead_AndDisposeToleratesDelete405()
    {
        _jsonReplies = true;
        var client = await CreateClientAsync();
        using (var result = await client.CallToolAsync("s", "work", Args).AsTask().WaitAsync(Bound))
        {
            Assert.Contains("json reply", result.ToString(), StringComparison.Ordinal);
        }

        await client.DisposeAsync().AsTask().WaitAsync(Bound);
        Assert.Contains("DELETE scripted-session-1", _log);
    }

    private sealed class SyncProgress(Action<McpProgress> report) : IProgress<McpProgress>
    {
        public void Report(McpProgress value) => report(value);
    }
}
