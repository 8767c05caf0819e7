using System.Text;
using Cortex.Mcp.Fast.Operations;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

/// <summary>Notifications reach the caller's handlers after the client's own handling, on any stream.</summary>
public sealed class McpMessageRouterNotificationTests
{
    private readonly McpNotificationHandlers _handlers = new("svc");
    private readonly McpSession _session = new(null, "2025-11-25", new McpClientIdentity("t", "1"), new JsonRpcIdGenerator(), 1);
    private readonly McpMessageRouter _router;

    public McpMessageRouterNotificationTests() =>
        _router = new McpMessageRouter(
            new SubscriptionHub(new McpServiceOptions(), TimeProvider.System, new Cortex.Mcp.Fast.Transports.Streams.StallMonitor(TimeProvider.System), static () => { }, CancellationToken.None),
            SecretRedactor.PatternsOnly,
            _handlers);

    private void Route(string json, McpPendingRequest? waiting = null)
    {
        List<ServerRequest>? requests = null;
        _router.Route(Encoding.UTF8.GetBytes(json), _session, waiting, 200, ref requests);
    }

    [Theory]
    [InlineData("notifications/message")]
    [InlineData("notifications/progress")]
    [InlineData("notifications/cancelled")]
    [InlineData("notifications/tools/list_changed")]
    [InlineData("notifications/prompts/list_changed")]
    [InlineData("notifications/resources/list_changed")]
    [InlineData("notifications/resources/updated")]
    [InlineData("notifications/custom/thing")]
    public void EveryNotification_ReachesTheCatchAllHandler(string method)
    {
        var seen = new List<string>();
        using var r = _handlers.Add(null, n => seen.Add(n.Method));
        Route($$$"""{"jsonrpc":"2.0","method":"{{{method}}}","params":{"uri":"a://b","progressToken":1,"progress":1,"requestId":1,"level":"info","data":"x"}}""");
        Assert.Equal([method], seen);
    }

    [Fact]
    public void ToolsListChanged_InvalidatesTheCacheBeforeTheHandlerRuns()
    {
        _session.Tools = [];
        bool? cacheEmptyInHandler = null;
        using var r = _handlers.Add(McpNotificationMethods.ToolsListChanged, _ => cacheEmptyInHandler = _session.Tools is null);
        Route("""{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}""");
        Assert.True(cacheEmptyInHandler);
    }

    [Fact]
    public void Progress_ReachesBothTheWaitingRequestAndTheHandler()
    {
        var reports = new List<double>();
        using var waiting = new McpPendingRequest(3, McpReplyKind.ToolCall, new Progress(reports));
        var handled = 0;
        using var r = _handlers.Add(McpNotificationMethods.Progress, _ => handled++);
        Route("""{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":3,"progress":0.5}}""", waiting);
        Assert.Equal([0.5], reports);
        Assert.Equal(1, handled);
    }

    [Fact]
    public void Batch_NotificationsAreEachDelivered()
    {
        var seen = new List<string>();
        using var r = _handlers.Add(null, n => seen.Add(n.Method));
        Route("""[{"jsonrpc":"2.0","method":"notifications/prompts/list_changed"},{"jsonrpc":"2.0","method":"notifications/resources/list_changed"}]""");
        Assert.Equal([McpNotificationMethods.PromptsListChanged, McpNotificationMethods.ResourcesListChanged], seen);
    }

    private sealed class Progress(List<double> reports) : IProgress<McpProgress>
    {
        public void Report(McpProgress value) => reports.Add(value.Progress);
    }
}
