using System.Text;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

/// <summary>Bodies from MCP-WIRE.md §2.4, as the official servers send them.</summary>
public class McpHttpErrorBodyTests
{
    private static byte[] U(string s) => Encoding.UTF8.GetBytes(s);

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","error":{"code":-32000,"message":"Not Acceptable: Client must accept both application/json and text/event-stream"},"id":null}""", -32000L, (int)McpErrorKind.ImplementationDefined)]
    [InlineData("""{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error: Invalid JSON"},"id":null}""", -32700L, (int)McpErrorKind.ParseError)]
    [InlineData("""{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request: Server already initialized"},"id":null}""", -32600L, (int)McpErrorKind.InvalidRequest)]
    [InlineData("""{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}""", -32000L, (int)McpErrorKind.ImplementationDefined)]
    [InlineData("""{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}""", -32001L, (int)McpErrorKind.ImplementationDefined)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":{"code":-32020,"message":"Header mismatch"}}""", -32020L, (int)McpErrorKind.HeaderMismatch)]
    public void Parse_JsonRpcErrorBody_ReadsCodeAndMessage(string body, long code, int kind)
    {
        var parsed = McpHttpErrorBody.Parse(U(body), "application/json");
        Assert.True(parsed.HasJsonRpcError);
        Assert.Equal(code, parsed.Code);
        Assert.Equal((McpErrorKind)kind, parsed.Kind);
        Assert.False(string.IsNullOrEmpty(parsed.Message));
    }

    [Theory]
    [InlineData("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error</title></head><body><pre>Cannot PUT /mcp</pre></body></html>", "text/html")]
    [InlineData("Method Not Allowed", "text/plain")]
    [InlineData("", "application/json")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}", "application/json")]
    [InlineData("{not json", "application/json")]
    [InlineData("Accepted", null)]
    public void Parse_NotAJsonRpcError_HasNoCode(string body, string? mediaType)
    {
        Assert.False(McpHttpErrorBody.Parse(U(body), mediaType).HasJsonRpcError);
    }

    [Fact]
    public void Parse_NoMediaTypeButJsonObject_IsParsed()
    {
        Assert.True(McpHttpErrorBody.Parse(U(""" {"jsonrpc":"2.0","error":{"code":-32603,"message":"x"}}"""), null).HasJsonRpcError);
        Assert.True(McpHttpErrorBody.Parse(U("""{"jsonrpc":"2.0","error":{"code":-32603,"message":"x"}}"""), "application/problem+json").HasJsonRpcError);
    }

    [Fact]
    public void Parse_HugeMessage_IsCut()
    {
        var body = "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"" + new string('m', 100_000) + "\"}}";
        Assert.Equal(McpHttpErrorBody.MaxMessageLength, McpHttpErrorBody.Parse(U(body), "application/json").Message!.Length);
    }

    [Theory]
    // TypeScript SDK examples: 404 + -32001 "Session not found".
    [InlineData(404, true, """{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}""", true)]
    // 404 with an HTML body, request carried a session: still session loss (spec: any 404).
    [InlineData(404, true, "<html>Not Found</html>", true)]
    // server-everything: 400 + -32000 "No valid session ID provided", no id member.
    [InlineData(400, true, """{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"}}""", true)]
    // Bad protocol version header is a 400 too, but not session loss.
    [InlineData(400, true, """{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Unsupported protocol version: 1999-01-01"},"id":null}""", false)]
    [InlineData(400, true, """{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request: Server already initialized"},"id":null}""", false)]
    // 2026-07-28 unknown method answer.
    [InlineData(404, true, """{"jsonrpc":"2.0","id":3,"error":{"code":-32601,"message":"Method not found"}}""", false)]
    // No session sent: never session loss.
    [InlineData(404, false, "<html>Not Found</html>", false)]
    [InlineData(400, false, """{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: Server not initialized"},"id":null}""", false)]
    [InlineData(409, true, """{"jsonrpc":"2.0","error":{"code":-32000,"message":"Conflict: Only one SSE stream is allowed per session"},"id":null}""", false)]
    public void IsSessionLost_RealAnswers_Classified(int status, bool sentSession, string body, bool expected)
    {
        var parsed = McpHttpErrorBody.Parse(U(body), body.StartsWith('{') ? "application/json" : "text/html");
        Assert.Equal(expected, McpHttpErrorBody.IsSessionLost(status, sentSession, parsed));
    }
}
