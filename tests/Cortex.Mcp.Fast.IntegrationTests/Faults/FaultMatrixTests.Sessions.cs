using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Faults;

/// <summary>Row 14: the MCP session is lost while a tool call is in flight.</summary>
public abstract partial class FaultMatrixTests
{
    /// <summary>
    /// Row 14, in flight: the call's POST was accepted and its SSE reply cut after the priming event; the tool ran; then
    /// the session is lost, so the resuming GET is answered 404. The POST may have run (it did), so a non-idempotent
    /// call fails typed and is never sent again, while an idempotent one re-initialises exactly once and is retried.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Row14_SessionLostWhileACallIsInFlight_NonIdempotentFailsTypedAndIsNotReplayed_IdempotentReinitialisesOnce(bool idempotent)
    {
        using var bound = new CancellationTokenSource(Bound);
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse });
        var expired = 0;
        service.Faults.Intercept = async context =>
        {
            // The resuming GET of the cut reply: once the tool has run, every session ends, so this GET meets a 404.
            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Headers.ContainsKey("Last-Event-ID")
                && Interlocked.Exchange(ref expired, 1) == 0)
            {
                await service.Counters.WaitUntilAsync(c => c.Executions.ExecutionsOf(14) == 1, bound.Token);
                service.Mcp.ExpireSessions();
            }

            return false;
        };
        await using var client = await ClientFor(service.McpAddress, o =>
        {
            o.Protocol = McpProtocol.StreamableHttp;
            o.Retry = new RetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1) };
        });
        (await client.CallToolAsync("svc", "echo", """{"text":"warm"}"""u8.ToArray(), null, bound.Token)).Dispose();
        Assert.Equal(1, service.Mcp.Initializations);

        service.Mcp.CutNextResponseStreamAfterEvents(1);
        var arguments = """{"text":"row14","execId":14}"""u8.ToArray();
        var call = client.CallToolAsync("svc", "echo", arguments, idempotent ? null : ToolCallOptions.NonIdempotent, bound.Token).AsTask();

        if (idempotent)
        {
            using var result = await call.WaitAsync(bound.Token);
            Assert.Contains("row14", result.Json.GetRawText(), StringComparison.Ordinal);
            Assert.Equal(2, service.Mcp.Initializations);                   // one re-initialise, not a loop
            Assert.Equal(3, service.Counters.ToolRequests("echo"));          // warm-up, the cut call, its one retry
            Assert.Equal(2, service.Counters.Executions.ExecutionsOf(14));   // idempotent: running twice is allowed
        }
        else
        {
            var error = await Failure(call);
            Assert.Equal(FailureKind.NetworkError, error.FailureKind);
            Assert.False(error.RequestNotSent);                              // it may have run (it did): never "not sent"
            Assert.Equal(1, error.Attempts);
            Assert.Equal(2, service.Counters.ToolRequests("echo"));          // warm-up and the cut call: not re-sent
            Assert.Equal(1, service.Counters.Executions.ExecutionsOf(14));

            // The next call starts one new session and runs.
            (await client.CallToolAsync("svc", "echo", """{"text":"after"}"""u8.ToArray(), ToolCallOptions.NonIdempotent, bound.Token)).Dispose();
            Assert.Equal(2, service.Mcp.Initializations);
        }

        Assert.Equal(1, Volatile.Read(ref expired));
    }
}
