using System.Diagnostics;
using System.Net;
using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing;

public sealed class TestMcpServiceFaultTests : TestMcpServiceTest
{
    [Fact]
    public async Task ToolLatency_Set_DelaysEveryToolCall()
    {
        using var cts = TestHttp.Deadline();
        Service.Faults.ToolLatency = TimeSpan.FromMilliseconds(80);
        var watch = Stopwatch.StartNew();

        using var response = await Client.CallAsync("echo", "{}", cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(watch.ElapsedMilliseconds >= 70, $"took {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task ErrorRate_One_FailsEveryCallWithErrorStatus()
    {
        using var cts = TestHttp.Deadline();
        Service.Faults.ErrorRate = 1;
        Service.Faults.ErrorStatus = 502;
        Service.Faults.ErrorRetryAfter = "2";

        for (var i = 0; i < 3; i++)
        {
            using var response = await Client.CallAsync("echo", "{}", cts.Token);
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), response.Headers.RetryAfter?.Delta);
            Assert.NotEmpty(await response.ReadDetailAsync(cts.Token));
        }
    }

    [Fact]
    public async Task ErrorRate_Half_IsSeededAndRepeatable()
    {
        using var cts = TestHttp.Deadline();
        var first = await RunPatternAsync(cts.Token);
        Service.Faults.Reset(); // re-seeds the random source
        var second = await RunPatternAsync(cts.Token);

        Assert.Equal(first, second);
        Assert.Contains(true, first);
        Assert.Contains(false, first);

        async Task<bool[]> RunPatternAsync(CancellationToken ct)
        {
            Service.Faults.ErrorRate = 0.5;
            var failed = new bool[32];
            for (var i = 0; i < failed.Length; i++)
            {
                using var response = await Client.CallAsync("echo", "{}", ct);
                failed[i] = response.StatusCode == HttpStatusCode.ServiceUnavailable;
            }

            return failed;
        }
    }

    [Fact]
    public async Task FailNext_Count_FailsThatManyCallsOfThatToolOnly()
    {
        using var cts = TestHttp.Deadline();
        Service.Faults.FailNext("echo", 2, 429, retryAfter: "3");

        using var add = await Client.CallAsync("add", "{\"a\":1,\"b\":1}", cts.Token);
        using var first = await Client.CallAsync("echo", "{}", cts.Token);
        using var second = await Client.CallAsync("echo", "{}", cts.Token);
        using var third = await Client.CallAsync("echo", "{}", cts.Token);

        Assert.Equal(HttpStatusCode.OK, add.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, first.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), first.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public async Task FailNext_AnyTool_FailsTheNextCallWhateverTheTool()
    {
        using var cts = TestHttp.Deadline();
        Service.Faults.FailNext(TestFaults.AnyTool, 1, 500);

        using var first = await Client.CallAsync("add", "{\"a\":1,\"b\":1}", cts.Token);
        using var second = await Client.CallAsync("add", "{\"a\":1,\"b\":1}", cts.Token);

        Assert.Equal(HttpStatusCode.InternalServerError, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
    }

    [Theory]
    [InlineData(ErrorBodyForm.JsonDetail, "application/json", "{\"detail\":\"Injected failure (503)\"}")]
    [InlineData(ErrorBodyForm.JsonMessage, "application/json", "{\"message\":\"Injected failure (503)\"}")]
    [InlineData(ErrorBodyForm.PlainText, "text/plain", "Injected failure (503)")]
    [InlineData(ErrorBodyForm.Html, "text/html", null)]
    [InlineData(ErrorBodyForm.Empty, null, "")]
    public async Task ErrorBodyForm_Set_ShapesInjectedErrors(ErrorBodyForm form, string? mediaType, string? body)
    {
        using var cts = TestHttp.Deadline();
        Service.Faults.ErrorBodyForm = form;
        Service.Faults.FailNext("echo", 1);

        using var response = await Client.CallAsync("echo", "{}", cts.Token);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(cts.Token);
        if (body is null)
        {
            Assert.Contains("<h1>503 Service Unavailable</h1>", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(body, text);
        }
    }

    [Fact]
    public async Task StallOnce_NextRequestStallsAndLaterOnesDoNot()
    {
        using var cts = TestHttp.Deadline();
        using var stalledCall = CancellationTokenSource.CreateLinkedTokenSource(cts.Token);
        Service.Faults.StallOnce(TimeSpan.FromMinutes(10));
        var stalled = Client.CallAsync("echo", "{\"first\":true}", stalledCall.Token);
        await Service.Counters.WaitForRequestsAsync("echo", 1, cts.Token);

        using var next = await Client.CallAsync("echo", "{}", cts.Token);

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.False(stalled.IsCompleted);
        await stalledCall.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stalled);
    }

    [Fact]
    public async Task Gate_Closed_HoldsToolCallsUntilReleased()
    {
        using var cts = TestHttp.Deadline();
        Service.Faults.Gate.Close();
        var calls = Enumerable.Range(0, 5).Select(i => Client.CallAsync("echo", $"{{\"i\":{i}}}", cts.Token)).ToArray();

        await Service.Faults.Gate.WaitForWaitingAsync(5, cts.Token);

        Assert.Equal(5, Service.Faults.Gate.Waiting);
        Assert.All(calls, c => Assert.False(c.IsCompleted));
        Service.Faults.Gate.Release();
        var responses = await Task.WhenAll(calls);
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(0, Service.Faults.Gate.Waiting);
        foreach (var r in responses)
        {
            r.Dispose();
        }
    }

    [Fact]
    public async Task Intercept_ReturnsTrue_HandlesTheRequestInstead()
    {
        using var cts = TestHttp.Deadline();
        Service.Faults.Intercept = async context =>
        {
            if (context.Request.Path.Value != "/tool/teapot")
            {
                return false;
            }

            context.Response.StatusCode = 418;
            await context.Response.WriteAsync("short and stout", context.RequestAborted);
            return true;
        };

        using var teapot = await Client.CallAsync("teapot", "{}", cts.Token);
        using var echo = await Client.CallAsync("echo", "{}", cts.Token);

        Assert.Equal((HttpStatusCode)418, teapot.StatusCode);
        Assert.Equal("short and stout", await teapot.Content.ReadAsStringAsync(cts.Token));
        Assert.Equal(HttpStatusCode.OK, echo.StatusCode);
        Assert.Equal(1, Service.Counters.ToolRequests("teapot"));
    }

    [Fact]
    public void Faults_InvalidValues_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Service.Faults.ErrorRate = 1.5);
        Assert.Throws<ArgumentOutOfRangeException>(() => Service.Faults.ErrorRate = double.NaN);
        Assert.Throws<ArgumentOutOfRangeException>(() => Service.Faults.ErrorStatus = 42);
        Assert.Throws<ArgumentOutOfRangeException>(() => Service.Faults.ToolLatency = TimeSpan.FromSeconds(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Service.Faults.FailNext("echo", -1));
    }
}
