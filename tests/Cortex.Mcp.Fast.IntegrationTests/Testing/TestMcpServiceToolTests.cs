using System.Net;
using System.Text;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing;

public sealed class TestMcpServiceToolTests : TestMcpServiceTest
{
    [Fact]
    public void StartAsync_Default_ListensOnLoopbackWithAFreePort()
    {
        Assert.Equal("http", Service.BaseAddress.Scheme);
        Assert.Equal("127.0.0.1", Service.BaseAddress.Host);
        Assert.NotEqual(0, Service.BaseAddress.Port);
    }

    [Fact]
    public async Task Echo_Object_ReturnsArgumentsVerbatim()
    {
        using var cts = TestHttp.Deadline();
        const string Args = "{\"x\": [1, 2.5, {\"y\": \"z\"}], \"s\": \"\u00e9\\n\", \"n\": null}";
        using var response = await Client.CallAsync("echo", Args, cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Content.ReadAsByteArrayAsync(cts.Token);
        Assert.Equal("{\"echo\":" + Args + "}", Encoding.UTF8.GetString(body));
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
    }

    [Theory]
    [InlineData("{\"a\":1,\"b\":2}", "3")]
    [InlineData("{\"a\":1.5,\"b\":2.25}", "3.75")]
    [InlineData("{\"a\":-4,\"b\":0.5}", "-3.5")]
    [InlineData("{\"a\":9223372036854775807,\"b\":1}", "9.223372036854776E+18")]
    public async Task Add_Numbers_ReturnsSum(string args, string expected)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.CallAsync("add", args, cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var result = (await response.ReadJsonAsync(cts.Token)).GetProperty("result");
        Assert.Equal(expected, result.GetRawText());
    }

    [Theory]
    [InlineData("{\"a\":1}")]
    [InlineData("{\"a\":\"1\",\"b\":2}")]
    public async Task Add_MissingOrNonNumber_Returns400(string args)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.CallAsync("add", args, cts.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("numbers", await response.ReadDetailAsync(cts.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sleep_Milliseconds_WaitsThenReturnsSlept()
    {
        using var cts = TestHttp.Deadline();
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await Client.CallAsync("sleep", "{\"ms\": 60}", cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(60, (await response.ReadJsonAsync(cts.Token)).GetProperty("slept").GetInt32());
        Assert.True(started.ElapsedMilliseconds >= 50, $"took {started.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Sleep_ClientCancels_RequestIsAbortedAndConnectionClosed()
    {
        using var cts = TestHttp.Deadline();
        using var call = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        var pending = Client.CallAsync("sleep", "{\"ms\": 600000}", call.Token);
        await Service.Counters.WaitForRequestsAsync("sleep", 1, cts.Token);

        await call.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        // The server saw the abort: its side of the connection goes away instead of sleeping for ten minutes.
        await Service.Counters.WaitForOpenConnectionsAsync(0, cts.Token);
    }

    [Fact]
    public async Task Fail_StatusRetryAfterDetail_ReturnsThatError()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.CallAsync("fail", "{\"status\": 503, \"retryAfter\": \"1\", \"detail\": \"boom\"}", cts.Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.Equal("boom", await response.ReadDetailAsync(cts.Token));
    }

    [Theory]
    [InlineData("message", "application/json", "{\"message\":\"boom\"}")]
    [InlineData("text", "text/plain", "boom")]
    [InlineData("empty", null, "")]
    public async Task Fail_WithForm_UsesThatBodyForm(string form, string? mediaType, string expected)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.CallAsync("fail", $"{{\"status\": 500, \"detail\": \"boom\", \"form\": \"{form}\"}}", cts.Token);

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(expected, await response.Content.ReadAsStringAsync(cts.Token));
    }

    [Fact]
    public async Task Flaky_FailuresPerKey_FailsThenSucceedsWithAttempt()
    {
        using var cts = TestHttp.Deadline();
        const string Args = "{\"failures\": 2, \"status\": 502, \"key\": \"k1\"}";

        using var first = await Client.CallAsync("flaky", Args, cts.Token);
        using var second = await Client.CallAsync("flaky", Args, cts.Token);
        using var other = await Client.CallAsync("flaky", "{\"failures\": 2, \"status\": 502, \"key\": \"k2\"}", cts.Token);
        using var third = await Client.CallAsync("flaky", Args, cts.Token);

        Assert.Equal(HttpStatusCode.BadGateway, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, second.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, other.StatusCode); // keys are independent
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal(3, (await third.ReadJsonAsync(cts.Token)).GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task Count_AfterCalls_ReturnsPerToolCounts()
    {
        using var cts = TestHttp.Deadline();
        (await Client.CallAsync("echo", "{}", cts.Token)).Dispose();
        (await Client.CallAsync("echo", "{}", cts.Token)).Dispose();
        (await Client.CallAsync("nope", "{}", cts.Token)).Dispose();

        using var response = await Client.CallAsync("count", "{}", cts.Token);

        var json = await response.ReadJsonAsync(cts.Token);
        Assert.Equal(4, json.GetProperty("total").GetInt64());
        Assert.Equal(2, json.GetProperty("tools").GetProperty("echo").GetInt64());
        Assert.Equal(1, json.GetProperty("tools").GetProperty("nope").GetInt64());
        Assert.Equal(2, Service.Counters.ToolRequests("echo"));
        Assert.Equal(4, Service.Counters.TotalToolRequests);
    }

    [Fact]
    public async Task UnknownTool_Returns404WithDetail()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.CallAsync("nope", "{}", cts.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Unknown tool: nope", await response.ReadDetailAsync(cts.Token));
    }

    [Theory]
    [InlineData("echo", "{\"a\":")]
    [InlineData("echo", "[1,2]")]
    [InlineData("echo", "{} {}")]
    [InlineData("echo", "")]
    [InlineData("add", "{\"a\":1,}")]
    [InlineData("add", "42")]
    public async Task InvalidBody_Returns400(string tool, string body)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.CallAsync(tool, body, cts.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEmpty(await response.ReadDetailAsync(cts.Token));
    }

    [Fact]
    public async Task Tool_WithGet_Returns405()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.GetAsync("tool/echo", cts.Token);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task Echo_ManyConcurrentCalls_AllSucceed()
    {
        using var cts = TestHttp.Deadline();
        var calls = Enumerable.Range(0, 64).Select(async i =>
        {
            using var response = await Client.CallAsync("echo", $"{{\"i\":{i}}}", cts.Token);
            return (await response.ReadJsonAsync(cts.Token)).GetProperty("echo").GetProperty("i").GetInt32();
        });

        var results = await Task.WhenAll(calls);

        Assert.Equal(Enumerable.Range(0, 64), results.Order());
        Assert.Equal(64, Service.Counters.ToolRequests("echo"));
    }
}
