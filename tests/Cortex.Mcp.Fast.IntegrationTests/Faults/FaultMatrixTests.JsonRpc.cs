using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Faults;

/// <summary>Row 22: JSON-RPC replies that do not match the request, over the wire (Kestrel, MCP Streamable HTTP).</summary>
public abstract partial class FaultMatrixTests
{
    /// <summary>
    /// Row 22: the reply to <c>tools/call</c> is rewritten by the server. What does not answer this request (another id,
    /// a JSON value that is not JSON-RPC, an unknown notification) is ignored when the right reply follows on the
    /// stream, and a typed protocol error when it never comes (a JSON reply with another id, or the id as a string); a
    /// duplicate is ignored after the first; a reply carrying both <c>result</c> and <c>error</c>, or an event whose data
    /// is not JSON at all, is refused typed. Never a result taken from the wrong message, never retried.
    /// </summary>
    [Theory]
    [InlineData("wrong-id-json", null)]
    [InlineData("string-id-json", null)]
    [InlineData("both-result-and-error-json", null)]
    [InlineData("wrong-id-then-right-sse", "right")]
    [InlineData("duplicate-sse", "first")]
    [InlineData("non-jsonrpc-events-then-right-sse", "right")]
    [InlineData("non-json-event-then-right-sse", null)]
    public async Task Row22_MismatchedJsonRpcReply_IsIgnoredOrTyped(string script, string? expected)
    {
        using var bound = new CancellationTokenSource(Bound);
        await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions { McpMode = TestMcpMode.StatelessJson });
        var rewritten = 0;
        service.Faults.Intercept = async context =>
        {
            if (!IsMcpToolCall(context) || Volatile.Read(ref rewritten) > 0 || await ToolsCallIdAsync(context) is not { } id)
            {
                return false;
            }

            Interlocked.Increment(ref rewritten);
            await WriteScriptedReplyAsync(context, script, id);
            return true;
        };
        await using var client = await ClientFor(service.McpAddress, o =>
        {
            o.Protocol = McpProtocol.StreamableHttp;
            o.Retry = new RetryOptions { MaxRetries = 2, BaseDelay = TimeSpan.FromMilliseconds(1) };
        });

        var call = client.CallToolAsync("svc", "echo", """{"text":"real"}"""u8.ToArray(), null, bound.Token).AsTask();

        if (expected is null)
        {
            var error = await Failure(call);
            Assert.IsType<ServiceProtocolException>(error);
            Assert.Equal(FailureKind.ProtocolError, error.FailureKind);
            Assert.Equal(1, error.Attempts);
        }
        else
        {
            using var result = await call.WaitAsync(bound.Token);
            Assert.Equal(expected, result.Json.GetProperty("content")[0].GetProperty("text").GetString());
        }

        Assert.Equal(1, Volatile.Read(ref rewritten));

        // Nothing of the mismatched reply lingers: the next call gets its own answer from the real service.
        using var next = await client.CallToolAsync("svc", "echo", """{"text":"next"}"""u8.ToArray(), null, bound.Token).AsTask().WaitAsync(bound.Token);
        Assert.Contains("next", next.Json.GetRawText(), StringComparison.Ordinal);
    }

    /// <summary>The raw JSON id of a <c>tools/call</c> POST, leaving the body readable; null for other messages.</summary>
    private static async Task<string?> ToolsCallIdAsync(HttpContext context)
    {
        context.Request.EnableBuffering();
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        context.Request.Body.Position = 0;
        using var json = JsonDocument.Parse(body);
        return json.RootElement.TryGetProperty("method", out var method) && method.GetString() == "tools/call"
            ? json.RootElement.GetProperty("id").GetRawText()
            : null;
    }

    private static Task WriteScriptedReplyAsync(HttpContext context, string script, string id)
    {
        static string Result(string id, string text) =>
            $$$"""{"jsonrpc":"2.0","id":{{{id}}},"result":{"content":[{"type":"text","text":"{{{text}}}"}],"isError":false}}""";
        var other = id.StartsWith('"') ? "\"other\"" : "987654321";
        var stringId = id.StartsWith('"') ? id.Trim('"') : "\"" + id + "\"";
        var (contentType, body) = script switch
        {
            "wrong-id-json" => ("application/json", Result(other, "wrong")),
            "string-id-json" => ("application/json", Result(stringId, "wrong")),
            "both-result-and-error-json" => ("application/json",
                $$$"""{"jsonrpc":"2.0","id":{{{id}}},"result":{"content":[{"type":"text","text":"wrong"}]},"error":{"code":-32603,"message":"both"}}"""),
            "wrong-id-then-right-sse" => ("text/event-stream",
                $"event: message\ndata: {Result(other, "wrong")}\n\nevent: message\ndata: {Result(id, "right")}\n\n"),
            "duplicate-sse" => ("text/event-stream",
                $"event: message\ndata: {Result(id, "first")}\n\nevent: message\ndata: {Result(id, "second")}\n\n"),
            "non-jsonrpc-events-then-right-sse" => ("text/event-stream",
                "event: message\ndata: {\"hello\":\"world\"}\n\nevent: message\ndata: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/unknown\"}\n\n"
                + $"event: message\ndata: {Result(id, "right")}\n\n"),
            "non-json-event-then-right-sse" => ("text/event-stream",
                $"event: message\ndata: not json at all\n\nevent: message\ndata: {Result(id, "right")}\n\n"),
            _ => throw new ArgumentOutOfRangeException(nameof(script), script, "unknown script"),
        };
        context.Response.StatusCode = 200;
        context.Response.ContentType = contentType;
        return context.Response.WriteAsync(body, context.RequestAborted);
    }
}
