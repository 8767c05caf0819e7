using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Discovery;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Client;

/// <summary>
/// <see cref="NetworkMcpClient"/> over MCP Streamable HTTP against a real official server; one subclass per server.
/// Every wait is bounded; nothing sleeps.
/// </summary>
public abstract class McpClientInteropTestsBase
{
    protected static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    protected abstract Uri Endpoint { get; }

    /// <summary>True when the server issues sessions (then DELETE and recovery are observable).</summary>
    protected abstract bool HasSessions { get; }

    protected abstract string SumTool { get; }

    protected abstract string SumArguments { get; }

    protected abstract string SumText { get; }

    protected abstract string LongRunningTool { get; }

    /// <summary>Arguments for a call that reports exactly two progress steps and completes.</summary>
    protected abstract string TwoStepArguments { get; }

    /// <summary>Arguments for a call that runs (with progress) far longer than any test.</summary>
    protected abstract string EndlessArguments { get; }

    protected abstract string FailingTool { get; }

    protected abstract string TextResourceUri { get; }

    protected abstract string BlobResourceUri { get; }

    protected virtual McpProtocol Protocol => McpProtocol.StreamableHttp;

    protected virtual void Configure(McpServiceOptions options)
    {
    }

    protected async Task<NetworkMcpClient> CreateClientAsync(Action<McpServiceOptions>? configure = null)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("mcp", Endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = Protocol;
        options.DefaultServiceOptions.Retry.MaxRetries = 0;
        Configure(options.DefaultServiceOptions);
        configure?.Invoke(options.DefaultServiceOptions);
        return new NetworkMcpClient(options);
    }

    protected static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private protected static StreamableHttpTransport Transport(NetworkMcpClient client) =>
        Assert.IsType<StreamableHttpTransport>(client.GetTransport("mcp"));

    [Fact]
    public async Task CallEcho_ReturnsToolResult()
    {
        await using var client = await CreateClientAsync();
        using var result = await client.CallToolAsync("mcp", "echo", Json("""{"message":"hello interop"}""")).AsTask().WaitAsync(Bound);
        Assert.Contains("Echo: hello interop", result.ToString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Array, result.Json.GetProperty("content").ValueKind);
    }

    [Fact]
    public async Task CallSum_ReturnsSum()
    {
        await using var client = await CreateClientAsync();
        using var result = await client.CallToolAsync("mcp", SumTool, Json(SumArguments)).AsTask().WaitAsync(Bound);
        Assert.Contains(SumText, result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListTools_ListsEchoWithSchema_AndIsCachedPerSession()
    {
        await using var client = await CreateClientAsync();
        var tools = await client.ListToolsAsync("mcp").AsTask().WaitAsync(Bound);
        var echo = Assert.Single(tools, t => t.Name == "echo");
        Assert.Equal(JsonValueKind.Object, echo.InputSchema.ValueKind);
        Assert.Contains(tools, t => t.Name == SumTool);
        Assert.Contains(tools, t => t.Name == LongRunningTool);
        var again = await client.ListToolsAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Same(tools, again);
    }

    [Fact]
    public async Task LongRunning_WithProgress_ReportsEveryStepThenResult()
    {
        await using var client = await CreateClientAsync();
        var reports = new ConcurrentQueue<McpProgress>();
        var progress = new SyncProgress(reports.Enqueue);
        using var result = await client.CallToolAsync("mcp", LongRunningTool, Json(TwoStepArguments), new ToolCallOptions { Progress = progress }).AsTask().WaitAsync(Bound);
        Assert.Equal(2, reports.Count);
        Assert.Equal([1d, 2d], reports.Select(r => r.Progress));
        Assert.All(reports, r => Assert.Equal(2d, r.Total));
    }

    [Fact]
    public async Task LongRunning_WithoutProgress_StillReturnsResult()
    {
        await using var client = await CreateClientAsync();
        using var result = await client.CallToolAsync("mcp", LongRunningTool, Json(TwoStepArguments)).AsTask().WaitAsync(Bound);
        Assert.Equal(JsonValueKind.Array, result.Json.GetProperty("content").ValueKind);
    }

    [Fact]
    public async Task ToolReportingIsError_ThrowsToolErrorException_NotRetriedNorBreakerFailure()
    {
        await using var client = await CreateClientAsync(o => o.Retry.MaxRetries = 3);
        var ex = await Assert.ThrowsAsync<ToolErrorException>(() => client.CallToolAsync("mcp", FailingTool, Json("{}")).AsTask().WaitAsync(Bound));
        Assert.Equal(FailureKind.ToolError, ex.FailureKind);
        Assert.Equal(1, ex.Attempts);
        Assert.NotNull(ex.ContentJson);
        Assert.Equal(Resilience.CircuitState.Closed, client.GetDiagnostics().Services["mcp"].CircuitState);
        Assert.Equal(0, client.GetDiagnostics().Services["mcp"].ConsecutiveFailures);
    }

    [Fact]
    public async Task ReadTextResource_YieldsOneTextItem()
    {
        await using var client = await CreateClientAsync();
        var items = new List<JsonElement>();
        await foreach (var item in client.GetResourceAsync("mcp", TextResourceUri).WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            items.Add(item);
        }

        var content = Assert.Single(items);
        Assert.Equal(TextResourceUri, content.GetProperty("uri").GetString());
        Assert.False(string.IsNullOrEmpty(content.GetProperty("text").GetString()));
    }

    [Fact]
    public async Task ReadBlobResource_YieldsOneBase64Item()
    {
        await using var client = await CreateClientAsync();
        var items = new List<JsonElement>();
        await foreach (var item in client.GetResourceAsync("mcp", BlobResourceUri).WithCancellation(new CancellationTokenSource(Bound).Token))
        {
            items.Add(item);
        }

        var content = Assert.Single(items);
        Assert.NotEmpty(Convert.FromBase64String(content.GetProperty("blob").GetString()!));
    }

    [Fact]
    public async Task ReadResource_NotAnAbsoluteUri_RefusedBeforeAnyRequest()
    {
        await using var client = await CreateClientAsync();
        var ex = await Assert.ThrowsAsync<InvalidResourcePathException>(async () =>
        {
            await foreach (var unused in client.GetResourceAsync("mcp", "relative/path"))
            {
            }
        });
        Assert.True(ex.RequestNotSent);
    }

    [Fact]
    public async Task Cancel_InFlightCall_EndsPromptlyAndClientStaysUsable()
    {
        await using var client = await CreateClientAsync();
        using var cts = new CancellationTokenSource();
        var firstProgress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var progress = new SyncProgress(_ => firstProgress.TrySetResult());
        var call = client.CallToolAsync("mcp", LongRunningTool, Json(EndlessArguments), new ToolCallOptions { Progress = progress }, cts.Token).AsTask();
        await firstProgress.Task.WaitAsync(Bound); // the server is running the tool now
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(5)));

        using var after = await client.CallToolAsync("mcp", "echo", Json("""{"message":"after"}""")).AsTask().WaitAsync(Bound);
        Assert.Contains("Echo: after", after.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dispose_DeletesSession()
    {
        if (!HasSessions)
        {
            return; // a stateless server issues no session to delete
        }

        var client = await CreateClientAsync();
        (await client.CallToolAsync("mcp", "echo", Json("""{"message":"x"}""")).AsTask().WaitAsync(Bound)).Dispose();
        var sessionId = Transport(client).CurrentSessionId;
        Assert.NotNull(sessionId);
        await client.DisposeAsync().AsTask().WaitAsync(Bound);

        var status = await RawPostWithSessionAsync(sessionId!);
        Assert.True(status is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"got {status}");
    }

    [Fact]
    public async Task SessionDeletedBehindTheClient_NextCallSucceedsOnOneNewSession()
    {
        if (!HasSessions)
        {
            return;
        }

        await using var client = await CreateClientAsync();
        (await client.CallToolAsync("mcp", "echo", Json("""{"message":"x"}""")).AsTask().WaitAsync(Bound)).Dispose();
        var transport = Transport(client);
        var first = transport.CurrentSessionId!;
        Assert.Equal(1, transport.InitializeCount);
        await RawDeleteAsync(first);

        // Non-idempotent on purpose: a session-lost answer proves the request never ran, so it is replayed.
        using var result = await client.CallToolAsync("mcp", "echo", Json("""{"message":"again"}"""), ToolCallOptions.NonIdempotent).AsTask().WaitAsync(Bound);
        Assert.Contains("Echo: again", result.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, transport.InitializeCount);
        Assert.NotEqual(first, transport.CurrentSessionId);
    }

    [Fact]
    public async Task SessionDeleted_ConcurrentCallers_CauseExactlyOneReinitialize()
    {
        if (!HasSessions)
        {
            return;
        }

        await using var client = await CreateClientAsync();
        (await client.CallToolAsync("mcp", "echo", Json("""{"message":"x"}""")).AsTask().WaitAsync(Bound)).Dispose();
        var transport = Transport(client);
        await RawDeleteAsync(transport.CurrentSessionId!);

        var calls = Enumerable.Range(0, 8)
            .Select(i => client.CallToolAsync("mcp", "echo", Json($$"""{"message":"c{{i}}"}""")).AsTask())
            .ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(Bound);
        for (var i = 0; i < results.Length; i++)
        {
            Assert.Contains($"Echo: c{i}", results[i].ToString(), StringComparison.Ordinal);
            results[i].Dispose();
        }

        Assert.Equal(2, transport.InitializeCount);
    }

    private async Task<HttpStatusCode> RawPostWithSessionAsync(string sessionId)
    {
        using var http = new HttpClient { Timeout = Bound };
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = new StringContent("""{"jsonrpc":"2.0","id":99,"method":"tools/list","params":{}}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
        request.Headers.TryAddWithoutValidation(McpHeaders.SessionId, sessionId);
        request.Headers.TryAddWithoutValidation(McpHeaders.ProtocolVersion, McpProtocolVersions.V2025_11_25);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task RawDeleteAsync(string sessionId)
    {
        using var http = new HttpClient { Timeout = Bound };
        using var request = new HttpRequestMessage(HttpMethod.Delete, Endpoint);
        request.Headers.TryAddWithoutValidation(McpHeaders.SessionId, sessionId);
        request.Headers.TryAddWithoutValidation(McpHeaders.ProtocolVersion, McpProtocolVersions.V2025_11_25);
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"DELETE answered {response.StatusCode}");
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to a context).</summary>
    protected sealed class SyncProgress(Action<McpProgress> report) : IProgress<McpProgress>
    {
        public void Report(McpProgress value) => report(value);
    }
}
