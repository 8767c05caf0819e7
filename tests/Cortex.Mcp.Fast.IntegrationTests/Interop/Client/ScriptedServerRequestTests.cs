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
/// Server→client requests on a tool call's SSE reply, from a scripted Streamable HTTP server in Kestrel on
/// 127.0.0.1: a repeated request id is answered once, an undeclared capability gets -32601, and a handler that
/// outlives <see cref="McpOptions.ServerRequestTimeout"/> is cancelled and answered -32603.
/// </summary>
public sealed class ScriptedServerRequestTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly ConcurrentQueue<JsonElement> _answers = new();
    private readonly SemaphoreSlim _answered = new(0);
    private WebApplication? _app;
    private Uri _endpoint = null!;

    /// <summary>SSE events the tools/call reply sends before it waits for <see cref="_expectedAnswers"/> answers.</summary>
    private string[] _requests = [];
    private int _expectedAnswers;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapPost("/mcp", HandlePostAsync);
        _app.MapGet("/mcp", () => Results.StatusCode(405));
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

    public void Dispose() => _answered.Dispose();

    [Fact]
    public async Task RepeatedRequestId_AnsweredOnce_UndeclaredCapabilityGetsMethodNotFound()
    {
        const string sampling = """{"jsonrpc":"2.0","id":"r1","method":"sampling/createMessage","params":{"messages":[{"role":"user","content":{"type":"text","text":"q"}}],"maxTokens":3}}""";
        _requests = [sampling, sampling, """{"jsonrpc":"2.0","id":"r2","method":"roots/list"}"""];
        _expectedAnswers = 2;
        var calls = 0;
        await using var client = await CreateClientAsync(TimeProvider.System, o => o.SamplingHandler = (_, _) =>
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult(new McpSamplingResult { Content = McpContentBlock.FromText("a"), Model = "m" });
        });

        using var result = await client.CallToolAsync("mcp", "ask", default(JsonElement)).AsTask().WaitAsync(Bound);

        Assert.Equal(1, Volatile.Read(ref calls));
        var answers = _answers.ToArray();
        Assert.Equal(2, answers.Length);
        Assert.Equal("r1", answers[0].GetProperty("id").GetString());
        Assert.Equal("m", answers[0].GetProperty("result").GetProperty("model").GetString());
        Assert.Equal("r2", answers[1].GetProperty("id").GetString());
        Assert.Equal(JsonRpcErrorCodes.MethodNotFound, answers[1].GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task HandlerOutlivesServerRequestTimeout_IsCancelled_ServerGetsInternalError()
    {
        _requests = ["""{"jsonrpc":"2.0","id":7,"method":"elicitation/create","params":{"message":"m","requestedSchema":{"type":"object","properties":{}}}}"""];
        _expectedAnswers = 1;
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var invoked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var client = await CreateClientAsync(clock, o =>
        {
            o.ServerRequestTimeout = TimeSpan.FromSeconds(10);
            o.ElicitationHandler = async (_, token) =>
            {
                invoked.TrySetResult();
                await using (token.Register(() => cancelled.TrySetResult()))
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, token); // a person who never answers
                }

                return McpElicitationResult.Cancel();
            };
        });

        var call = client.CallToolAsync("mcp", "ask", default(JsonElement)).AsTask();
        await invoked.Task.WaitAsync(Bound);
        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.False(cancelled.Task.IsCompleted, "cancelled before the timeout");
        clock.Advance(TimeSpan.FromSeconds(1));
        await cancelled.Task.WaitAsync(Bound);
        using var result = await call.WaitAsync(Bound);

        var answer = Assert.Single(_answers);
        Assert.Equal(7, answer.GetProperty("id").GetInt32());
        Assert.Equal(JsonRpcErrorCodes.InternalError, answer.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("The client did not answer in time.", answer.GetProperty("error").GetProperty("message").GetString());
    }

    private async Task<NetworkMcpClient> CreateClientAsync(TimeProvider clock, Action<McpOptions> configure)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("mcp", _endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery, TimeProvider = clock };
        options.DefaultServiceOptions.Protocol = McpProtocol.StreamableHttp;
        options.DefaultServiceOptions.Retry.MaxRetries = 0;
        configure(options.DefaultServiceOptions.Mcp);
        return new NetworkMcpClient(options);
    }

    private async Task HandlePostAsync(HttpContext context)
    {
        using var body = await JsonDocument.ParseAsync(context.Request.Body);
        var root = body.RootElement;
        if (!root.TryGetProperty("method", out var methodElement))
        {
            _answers.Enqueue(root.Clone()); // an answer to one of our requests, POSTed by the client
            _answered.Release();
            context.Response.StatusCode = 202;
            return;
        }

        if (!root.TryGetProperty("id", out var id))
        {
            context.Response.StatusCode = 202; // a notification
            return;
        }

        if (methodElement.GetString() == "initialize")
        {
            context.Response.Headers[McpHeaders.SessionId] = "scripted-requests";
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Reply(id, """{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"scripted","version":"1"}}"""));
            return;
        }

        if (methodElement.GetString() != "tools/call")
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(Reply(id, "{}"));
            return;
        }

        context.Response.ContentType = "text/event-stream";
        var n = 0;
        foreach (var request in _requests)
        {
            await context.Response.WriteAsync($"id: e{++n}\ndata: {request}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }

        for (var i = 0; i < _expectedAnswers; i++)
        {
            if (!await _answered.WaitAsync(Bound, context.RequestAborted))
            {
                return; // no answer: the client's call times out and the test fails on its own bound
            }
        }

        await context.Response.WriteAsync($"id: e{++n}\ndata: " + Reply(id, """{"content":[{"type":"text","text":"done"}]}""") + "\n\n", context.RequestAborted);
    }

    private static string Reply(JsonElement id, string result) => "{\"jsonrpc\":\"2.0\",\"id\":" + id.GetRawText() + ",\"result\":" + result + "}";
}
