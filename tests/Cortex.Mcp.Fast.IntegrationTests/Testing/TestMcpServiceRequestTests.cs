using System.Net;
using System.Net.Sockets;
using System.Text;
using Cortex.Mcp.Fast.IntegrationTests.Testing.Mcp;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing;

/// <summary>
/// Request handling shared by the REST and MCP endpoints (body reading, name matching) and the service's setting
/// guards, pinned so that the code serving both stays one behaviour.
/// </summary>
public sealed class TestMcpServiceRequestTests : TestMcpServiceTest
{
    /// <summary>A chunked body whose chunk size is not hex: Kestrel fails the body read with a 400.</summary>
    private const string BadChunkedBody = "Transfer-Encoding: chunked\r\n\r\nZZ\r\nxx\r\n0\r\n\r\n";

    [Fact]
    public async Task ToolCall_MalformedChunkedBody_400WithDetail()
    {
        using var cts = TestHttp.Deadline();

        var response = await SendRawAsync("POST /tool/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + BadChunkedBody, cts.Token);

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains("{\"detail\":\"Bad request body: ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpPost_MalformedChunkedBody_400WithJsonRpcError()
    {
        using var cts = TestHttp.Deadline();

        var response = await SendRawAsync("POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Accept: application/json, text/event-stream\r\n" + BadChunkedBody, cts.Token);

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains("\"code\":-32000", response, StringComparison.Ordinal);
        Assert.Contains("Bad request body: ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpPost_EscapedMethodAndToolName_MatchLikePlainOnes()
    {
        using var cts = TestHttp.Deadline();
        const string Json = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools\\/call\",\"params\":{\"name\":\"\\u0065cho\",\"arguments\":{\"x\":1}}}";

        using var response = await Client.PostAsync(Json, cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.ReadJsonAsync(cts.Token)).GetProperty("result");
        Assert.Equal(1, result.GetProperty("structuredContent").GetProperty("echo").GetProperty("x").GetInt32());
        Assert.False(result.GetProperty("isError").GetBoolean());
    }

    [Theory]
    [InlineData("json", "application/json", "{\"detail\":\"boom\"}")]
    [InlineData("detail", "application/json", "{\"detail\":\"boom\"}")]
    [InlineData("html", "text/html", null)]
    public async Task Fail_WithOtherForms_UsesThatBodyForm(string form, string mediaType, string? expected)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.CallAsync("fail", $"{{\"status\": 500, \"detail\": \"boom\", \"form\": \"{form}\"}}", cts.Token);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsStringAsync(cts.Token);
        Assert.Contains("boom", body, StringComparison.Ordinal);
        if (expected is not null)
        {
            Assert.Equal(expected, body);
        }
    }

    [Theory]
    [InlineData("\"xml\"")]
    [InlineData("3")]
    public async Task Fail_UnknownForm_400(string form)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.CallAsync("fail", $"{{\"status\": 500, \"form\": {form}}}", cts.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("'form' must be json, message, text, html or empty", await response.ReadDetailAsync(cts.Token));
    }

    [Fact]
    public void EnumSettings_Undefined_ThrowNamingTheEnum()
    {
        var form = Assert.Throws<ArgumentOutOfRangeException>(() => Service.Faults.ErrorBodyForm = (ErrorBodyForm)99);
        var mode = Assert.Throws<ArgumentOutOfRangeException>(() => Service.Mcp.Mode = (TestMcpMode)99);

        Assert.Equal("value", form.ParamName);
        Assert.Equal((ErrorBodyForm)99, form.ActualValue);
        Assert.StartsWith("Unknown ErrorBodyForm.", form.Message, StringComparison.Ordinal);
        Assert.Equal("value", mode.ParamName);
        Assert.StartsWith("Unknown TestMcpMode.", mode.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorBodyForm.JsonDetail, Service.Faults.ErrorBodyForm); // unchanged
        Assert.Equal(TestMcpMode.StatelessJson, Service.Mcp.Mode);
    }

    /// <summary>Sends <paramref name="request"/> as is and returns what the service answers until it closes.</summary>
    private async Task<string> SendRawAsync(string request, CancellationToken ct)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, Service.BaseAddress.Port), ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, ct);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, ct)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }
}
