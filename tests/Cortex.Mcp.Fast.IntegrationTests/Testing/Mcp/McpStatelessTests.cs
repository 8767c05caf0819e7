using System.Net;
using System.Text.Json;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing.Mcp;

public sealed class McpStatelessTests : TestMcpServiceTest
{
    [Theory]
    [InlineData("2025-11-25", "2025-11-25")]
    [InlineData("2025-06-18", "2025-06-18")]
    [InlineData("1999-01-01", "2025-11-25")]
    public async Task Initialize_AnyVersion_AnswersJsonWithoutSession(string asked, string expected)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Initialize(1, asked), cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.False(response.Headers.Contains(McpHttp.SessionHeader));
        var message = await response.ReadJsonAsync(cts.Token);
        Assert.Equal("2.0", message.GetProperty("jsonrpc").GetString());
        Assert.Equal(1, message.GetProperty("id").GetInt32());
        var result = message.GetProperty("result");
        Assert.Equal(expected, result.GetProperty("protocolVersion").GetString());
        Assert.True(result.GetProperty("capabilities").GetProperty("resources").GetProperty("subscribe").GetBoolean());
        Assert.Equal(1, Service.Mcp.Initializations);
    }

    [Fact]
    public async Task ToolsList_ListsTheToolsWithSchemas()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Request(2, "tools/list"), cts.Token);

        var tools = (await response.ReadJsonAsync(cts.Token)).GetProperty("result").GetProperty("tools");
        var names = tools.EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["echo", "add", "sleep", "fail", "progress", "flaky"], names);
        Assert.All(tools.EnumerateArray(), t => Assert.Equal("object",
            t.GetProperty("inputSchema").GetProperty("type").GetString()));
    }

    [Fact]
    public async Task CallEcho_Arguments_ReturnsTextAndStructuredContentWithContentLength()
    {
        using var cts = TestHttp.Deadline();
        const string Args = "{\"x\":[1,2.5,{\"y\":\"z\"}],\"s\":\"\u00e9\\n\\\"q\"}";
        using var response = await Client.PostAsync(McpHttp.Call(7, "echo", Args), cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Content.Headers.ContentLength);
        var message = await response.ReadJsonAsync(cts.Token);
        Assert.Equal(7, message.GetProperty("id").GetInt32());
        var result = message.GetProperty("result");
        Assert.False(result.GetProperty("isError").GetBoolean());
        Assert.Equal(Args, result.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal("text", result.GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal("\u00e9\n\"q", result.GetProperty("structuredContent").GetProperty("echo").GetProperty("s").GetString());
        Assert.Equal(1, Service.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task CallEcho_StringIdAndParamsFirst_EchoesTheIdVerbatim()
    {
        using var cts = TestHttp.Deadline();
        const string Json = "{\"params\":{\"arguments\":{\"a\":1},\"name\":\"echo\"},\"method\":\"tools/call\",\"id\":\"r-\\u0031\",\"jsonrpc\":\"2.0\"}";
        using var response = await Client.PostAsync(Json, cts.Token);

        var message = await response.ReadJsonAsync(cts.Token);
        Assert.Equal("r-1", message.GetProperty("id").GetString());
        Assert.Equal(1, message.GetProperty("result").GetProperty("structuredContent").GetProperty("echo").GetProperty("a").GetInt32());
    }

    [Theory]
    [InlineData("{\"a\":2,\"b\":3}", "5")]
    [InlineData("{\"a\":1.5,\"b\":2.25}", "3.75")]
    public async Task CallAdd_Numbers_ReturnsSum(string args, string expected)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Call(3, "add", args), cts.Token);

        var result = (await response.ReadJsonAsync(cts.Token)).GetProperty("result");
        Assert.Equal(expected, result.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(expected, result.GetProperty("structuredContent").GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task CallFail_ReturnsIsErrorResult()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Call(4, "fail", "{\"message\":\"boom\"}"), cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.ReadJsonAsync(cts.Token)).GetProperty("result");
        Assert.True(result.GetProperty("isError").GetBoolean());
        Assert.Equal("boom", result.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task CallUnknownTool_ReturnsInvalidParamsErrorAndCounts()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Call(5, "nope"), cts.Token);

        var error = (await response.ReadJsonAsync(cts.Token)).GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal(1, Service.Counters.ToolRequests("nope"));
    }

    [Fact]
    public async Task CallWithFailNext_ReturnsHttpErrorWithJsonRpcBody()
    {
        using var cts = TestHttp.Deadline();
        Service.Faults.FailNext("echo", 1, 503, retryAfter: "1");

        using (var failed = await Client.PostAsync(McpHttp.Call(6, "echo"), cts.Token))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.Equal("1", failed.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var message = await failed.ReadJsonAsync(cts.Token);
            Assert.Equal(6, message.GetProperty("id").GetInt32());
            Assert.Equal(-32603, message.GetProperty("error").GetProperty("code").GetInt32());
        }

        using var ok = await Client.PostAsync(McpHttp.Call(7, "echo"), cts.Token);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(2, Service.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task ResourcesRead_TextAndBlob_ReturnContents()
    {
        using var cts = TestHttp.Deadline();
        using (var text = await Client.PostAsync(McpHttp.Request(8, "resources/read", "{\"uri\":\"test://text/3\"}"), cts.Token))
        {
            var content = (await text.ReadJsonAsync(cts.Token)).GetProperty("result").GetProperty("contents")[0];
            Assert.Equal("test://text/3", content.GetProperty("uri").GetString());
            Assert.Equal("text/plain", content.GetProperty("mimeType").GetString());
            Assert.Equal("Resource 3", content.GetProperty("text").GetString());
        }

        using var blob = await Client.PostAsync(McpHttp.Request(9, "resources/read", "{\"uri\":\"test://blob/300\"}"), cts.Token);
        var bytes = (await blob.ReadJsonAsync(cts.Token)).GetProperty("result").GetProperty("contents")[0]
            .GetProperty("blob").GetBytesFromBase64();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (byte)i), bytes);
        Assert.Equal(2, Service.Counters.ResourceRequests("test://"));
    }

    [Fact]
    public async Task ResourcesRead_Unknown_ReturnsResourceNotFound()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Request(10, "resources/read", "{\"uri\":\"test://nope\"}"), cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = await response.ReadJsonAsync(cts.Token);
        Assert.Equal(10, message.GetProperty("id").GetInt32());
        Assert.Equal(-32002, message.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":{}}")]
    public async Task NotificationOrResponse_Returns202Empty(string json)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(json, cts.Token);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(cts.Token));
    }

    [Theory]
    [InlineData("{not json", 400, -32700)]
    [InlineData("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", 400, -32600)]
    [InlineData("{\"id\":1,\"method\":\"ping\"}", 400, -32600)]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}", 200, -32601)]
    public async Task BadMessages_GetJsonRpcErrors(string json, int status, int code)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(json, cts.Token);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, (await response.ReadJsonAsync(cts.Token)).GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task GetAndDelete_Return405()
    {
        using var cts = TestHttp.Deadline();
        using var get = await Client.OpenMcpStreamAsync("whatever", cts.Token);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal("POST", string.Join(",", get.Content.Headers.Allow));

        using var delete = await Client.DeleteAsync("mcp", cts.Token);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, delete.StatusCode);
    }

    [Fact]
    public async Task CallProgress_WithToken_StreamsProgressThenResult()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Call(11, "progress", "{\"steps\":3}", "\"tok\""), cts.Token);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await response.ReadAllSseAsync(cts.Token);
        Assert.Equal(4, events.Count);
        Assert.All(events, e => Assert.Null(e.Id));
        for (var i = 0; i < 3; i++)
        {
            var p = events[i].Json.GetProperty("params");
            Assert.Equal("tok", p.GetProperty("progressToken").GetString());
            Assert.Equal(i + 1, p.GetProperty("progress").GetInt32());
            Assert.Equal(3, p.GetProperty("total").GetInt32());
        }

        Assert.Equal(3, events.ResponseFor(11).GetProperty("result").GetProperty("structuredContent").GetProperty("steps").GetInt32());
    }

    [Fact]
    public async Task CancelledNotification_StopsTheSleepingCallAndIsRecorded()
    {
        using var cts = TestHttp.Deadline();
        var call = Client.PostAsync(McpHttp.Call(12, "sleep", "{\"ms\":60000}"), cts.Token);
        await Service.Counters.WaitForRequestsAsync("sleep", 1, cts.Token);

        using var cancel = await Client.PostAsync(
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":12,\"reason\":\"x\"}}", cts.Token);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        await TestHttp.AssertTransportFailureAsync(() => call); // no response for a cancelled request: aborted
        Assert.Equal(["12"], Service.Mcp.CancelledRequestIds);
        Assert.Equal(1, Service.Mcp.CancelledInFlight);
    }
}
