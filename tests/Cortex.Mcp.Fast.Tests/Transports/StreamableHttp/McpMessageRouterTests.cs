using System.Text;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

/// <summary>Routing of received payloads to the waiting request (RELIABILITY rows 22 and 28).</summary>
public sealed class McpMessageRouterTests
{
    private static readonly McpMessageRouter Router = new(
        new SubscriptionHub(new McpServiceOptions(), TimeProvider.System, new Cortex.Mcp.Fast.Transports.Streams.StallMonitor(TimeProvider.System), static () => { }, CancellationToken.None),
        SecretRedactor.PatternsOnly);

    private readonly McpSession _session = new(null, "2025-11-25", new McpClientIdentity("t", "1"), new JsonRpcIdGenerator(), 1);

    private List<ServerRequest>? Route(McpPendingRequest? waiting, string json)
    {
        List<ServerRequest>? requests = null;
        Router.Route(Encoding.UTF8.GetBytes(json), _session, waiting, 200, ref requests);
        return requests;
    }

    private static McpPendingRequest Call(long id = 7, IProgress<McpProgress>? progress = null) =>
        new(id, McpReplyKind.ToolCall, progress);

    [Fact]
    public void OurResult_CompletesWithRawResultBytes_MemberOrderFree()
    {
        using var x = Call();
        Route(x, """{"result":{"content":[{"type":"text","text":"hi"}]},"jsonrpc":"2.0","id":7}""");
        Assert.True(x.Completed);
        Assert.Null(x.Failure);
        Assert.Equal("""{"content":[{"type":"text","text":"hi"}]}""", Encoding.UTF8.GetString(x.ResultBuffer!, 0, x.ResultLength));
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":8,"result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":"7","result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","result":{}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":7,"result":{},"error":{"code":1,"message":"x"}}""")]
    [InlineData("""{}""")]
    [InlineData("""{"id":7,"result":{}}""")]
    [InlineData("""[1,2]""")]
    public void OtherIdsAndNonJsonRpcPayloads_AreIgnored(string json)
    {
        using var x = Call();
        Assert.Null(Route(x, json));
        Assert.False(x.Completed);
    }

    [Fact]
    public void DuplicateResponse_AfterCompletion_IsIgnored()
    {
        using var x = Call();
        Route(x, """{"jsonrpc":"2.0","id":7,"result":{"content":[],"n":1}}""");
        Route(x, """{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"late"}}""");
        Assert.Null(x.Failure);
        Assert.Contains("\"n\":1", Encoding.UTF8.GetString(x.ResultBuffer!, 0, x.ResultLength), StringComparison.Ordinal);
    }

    [Fact]
    public void IsErrorResult_CompletesWithToolError()
    {
        using var x = Call();
        Route(x, """{"jsonrpc":"2.0","id":7,"result":{"content":[{"type":"text","text":"boom"}],"isError":true}}""");
        var error = x.Failure!;
        Assert.Equal(FailureShape.ToolError, error.Shape);
        Assert.Equal(FailureKind.ToolError, error.Kind);
        Assert.Contains("boom", error.Message, StringComparison.Ordinal);
        Assert.Contains("boom", error.ContentJson, StringComparison.Ordinal);
    }

    [Fact]
    public void JsonRpcError_CompletesWithTypedErrorCarryingTheCode()
    {
        using var x = Call();
        Route(x, """{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Resource nope not found"}}""");
        var error = x.Failure!;
        Assert.Equal(FailureShape.JsonRpcError, error.Shape);
        Assert.Equal(-32602, error.JsonRpcCode);
        Assert.Equal(FailureKind.JsonRpcError, error.Kind);
        Assert.False(FailureClassifier.IsRetryable(error.Kind, error.StatusCode));
        Assert.False(FailureClassifier.IsBreakerFailure(error.Kind, error.StatusCode, error.JsonRpcCode));
    }

    [Fact]
    public void ProgressForOurToken_IsReported_OtherTokensAreNot()
    {
        var reports = new List<McpProgress>();
        using var x = Call(progress: new Collect(reports));
        Route(x, """{"method":"notifications/progress","params":{"progress":1,"total":4,"progressToken":7},"jsonrpc":"2.0"}""");
        Route(x, """{"method":"notifications/progress","params":{"progress":1,"total":4,"progressToken":8},"jsonrpc":"2.0"}""");
        Route(x, """{"method":"notifications/progress","params":{"progress":2,"progressToken":"7"},"jsonrpc":"2.0"}""");
        var only = Assert.Single(reports);
        Assert.Equal((1d, (double?)4, (string?)null), (only.Progress, only.Total, only.Message));
    }

    [Fact]
    public void ServerRequest_WithIdZero_IsCopiedOutForAnAnswer()
    {
        using var x = Call();
        var requests = Route(x, """{"method":"ping","jsonrpc":"2.0","id":0}""");
        var request = Assert.Single(requests!);
        Assert.Equal(McpMethod.Ping, request.Method);
        Assert.Equal("0", Encoding.UTF8.GetString(request.RawId));
        Assert.False(x.Completed);
    }

    [Fact]
    public void ToolsListChanged_DropsTheSessionsToolCache_OnAnyStream()
    {
        using var x = Call();
        _session.Tools = [];
        Route(x, """{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}""");
        Assert.Null(_session.Tools);
        _session.Tools = [];
        Route(null, """{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}""");
        Assert.Null(_session.Tools);
    }

    [Fact]
    public void OnTheStandaloneStream_ResponsesAndInvalidJsonAreIgnored()
    {
        Assert.Null(Route(null, """{"jsonrpc":"2.0","id":7,"result":{}}"""));
        Assert.Null(Route(null, "{not json"));
    }

    [Fact]
    public void Batch_RoutesEachElement()
    {
        var reports = new List<McpProgress>();
        using var x = Call(progress: new Collect(reports));
        Route(x, """[{"jsonrpc":"2.0","method":"notifications/progress","params":{"progress":1,"progressToken":7}},{"jsonrpc":"2.0","id":7,"result":{"content":[]}}]""");
        Assert.Single(reports);
        Assert.True(x.Completed);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"jsonrpc":"2.0","id":7,"result":{}} trailing""")]
    public void InvalidJson_IsAProtocolError(string json)
    {
        using var x = Call();
        Route(x, json);
        Assert.Equal(FailureShape.Protocol, x.Failure!.Shape);
    }

    [Fact]
    public void UnsupportedResultType_IsAProtocolError()
    {
        using var x = Call();
        Route(x, """{"jsonrpc":"2.0","id":7,"result":{"resultType":"input_required"}}""");
        Assert.Equal(FailureShape.Protocol, x.Failure!.Shape);
    }

    [Fact]
    public void LastEventId_IsKeptWithoutGrowingPerEvent()
    {
        using var x = Call();
        x.Cursor.SetLastEventId("p1"u8);
        Assert.Equal("p1", Encoding.UTF8.GetString(x.Cursor.LastEventId));
        x.Cursor.SetLastEventId("b86b4dfa-790d-4a60-91e3-e396bcdfe045"u8);
        Assert.Equal("b86b4dfa-790d-4a60-91e3-e396bcdfe045", Encoding.UTF8.GetString(x.Cursor.LastEventId));
    }

    [Fact]
    public async Task ServerEchoesTheClientsToken_JsonRpcErrorAndToolErrorTextAreRedacted()
    {
        // Defect: a bearer token that a server echoed back landed verbatim in exception messages.
        const string Token = "tok-0123456789abcdefSECRET";
        var auth = new AuthHeaderCache(BearerTokenProvider.FromStatic(Token));
        await auth.GetAsync(CancellationToken.None);
        var router = new McpMessageRouter(
            new SubscriptionHub(new McpServiceOptions(), TimeProvider.System, new Cortex.Mcp.Fast.Transports.Streams.StallMonitor(TimeProvider.System), static () => { }, CancellationToken.None),
            new SecretRedactor(auth));
        List<ServerRequest>? requests = null;

        using var rpc = Call();
        router.Route(Encoding.UTF8.GetBytes($$$"""{"jsonrpc":"2.0","id":7,"error":{"code":-32001,"message":"bad token {{{Token}}} (Authorization: Bearer {{{Token}}})"}}"""), _session, rpc, 200, ref requests);
        using var tool = Call();
        router.Route(Encoding.UTF8.GetBytes($$$"""{"jsonrpc":"2.0","id":7,"result":{"isError":true,"content":[{"type":"text","text":"header was Bearer {{{Token}}}"}]}}"""), _session, tool, 200, ref requests);

        foreach (var failure in new[] { rpc.Failure!, tool.Failure! })
        {
            Assert.DoesNotContain("SECRET", failure.Message, StringComparison.Ordinal);
            Assert.Contains(SecretRedactor.Mask, failure.Message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("SECRET", tool.Failure!.ContentJson, StringComparison.Ordinal);
    }

    private sealed class Collect(List<McpProgress> into) : IProgress<McpProgress>
    {
        public void Report(McpProgress value) => into.Add(value);
    }
}
