using System.Net;
using System.Text.Json;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing.Mcp;

public sealed class McpStatefulStreamTests : TestMcpServiceTest
{
    private string _session = null!;

    public McpStatefulStreamTests()
        : base(new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse })
    {
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        using var cts = TestHttp.Deadline();
        _session = await McpStatefulSessionTests.StartSessionAsync(Client, cts.Token);
    }

    [Fact]
    public async Task Progress_SendsNotificationsWithIdsBeforeTheResponse()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Call(5, "progress", "{\"steps\":3}", "7"), cts.Token, _session);

        var events = await response.ReadAllSseAsync(cts.Token);

        Assert.Equal(5, events.Count);
        Assert.True(events[0].IsPriming);
        var streamId = events[0].Id![..^2];
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{streamId}-{i}"), events.Select(e => e.Id));
        for (var i = 1; i <= 3; i++)
        {
            var message = events[i].Json;
            Assert.Equal("notifications/progress", message.GetProperty("method").GetString());
            Assert.Equal(7, message.GetProperty("params").GetProperty("progressToken").GetInt32());
            Assert.Equal(i, message.GetProperty("params").GetProperty("progress").GetInt32());
        }

        Assert.Equal(5, events[4].Json.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task Cut_ThenResumeWithLastEventId_DeliversTheRestAndTheResponseOnce()
    {
        using var cts = TestHttp.Deadline();
        Service.Mcp.CutNextResponseStreamAfterEvents(2); // priming + first progress

        using var response = await Client.PostAsync(McpHttp.Call(6, "progress", "{\"steps\":3}", "1"), cts.Token, _session);
        var seen = new List<SseEvent>();
        await TestHttp.AssertTransportFailureAsync(async () =>
        {
            await foreach (var e in response.ReadSseAsync(cts.Token))
            {
                seen.Add(e);
            }
        });

        Assert.Equal(2, seen.Count);
        Assert.True(seen[0].IsPriming);
        using var resumed = await Client.OpenMcpStreamAsync(_session, cts.Token, lastEventId: seen[^1].Id);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var rest = await resumed.ReadAllSseAsync(cts.Token);

        var streamId = seen[0].Id![..^2];
        Assert.Equal([$"{streamId}-2", $"{streamId}-3", $"{streamId}-4"], rest.Select(e => e.Id));
        Assert.Equal(3, rest.ResponseFor(6).GetProperty("result").GetProperty("structuredContent").GetProperty("steps").GetInt32());
        Assert.Equal(1, Service.Mcp.Resumptions);
    }

    [Fact]
    public async Task Cut_WhileTheCallRuns_ResumeWaitsForTheResponse()
    {
        using var cts = TestHttp.Deadline();
        Service.Faults.Gate.Close();
        Service.Mcp.CutNextResponseStreamAfterEvents(1);

        // sleep 0 starts the reply (priming, then the cut) only after the gate: hold it there, then release.
        var posting = Client.PostAsync(McpHttp.Call(8, "sleep", "{\"ms\":0}"), cts.Token, _session);
        await Service.Faults.Gate.WaitForWaitingAsync(1, cts.Token);
        Service.Faults.Gate.Release();
        using var response = await posting;
        var seen = new List<SseEvent>();
        await TestHttp.AssertTransportFailureAsync(async () =>
        {
            await foreach (var e in response.ReadSseAsync(cts.Token))
            {
                seen.Add(e);
            }
        });

        var priming = Assert.Single(seen);
        using var resumed = await Client.OpenMcpStreamAsync(_session, cts.Token, lastEventId: priming.Id);
        var rest = await resumed.ReadAllSseAsync(cts.Token);

        Assert.Equal(0, Assert.Single(rest).Json.GetProperty("result").GetProperty("structuredContent").GetProperty("slept").GetInt32());
    }

    [Fact]
    public async Task Resume_UnknownStream_Returns400()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.OpenMcpStreamAsync(_session, cts.Token, lastEventId: "999-3");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task ServerPing_IsSentBeforeTheResponse_AndTheAnswerIsCounted()
    {
        using var cts = TestHttp.Deadline();
        Service.Mcp.SendPingOnNextStream();

        using var response = await Client.PostAsync(McpHttp.Call(9, "echo"), cts.Token, _session);
        var events = (await response.ReadAllSseAsync(cts.Token)).Where(e => !e.IsPriming).ToList();

        Assert.Equal(2, events.Count);
        var ping = events[0].Json;
        Assert.Equal("ping", ping.GetProperty("method").GetString());
        var pingId = ping.GetProperty("id").GetInt64();
        Assert.Equal(0, pingId);
        Assert.Equal(9, events[1].Json.GetProperty("id").GetInt32());

        using var answer = await Client.PostAsync($"{{\"jsonrpc\":\"2.0\",\"id\":{pingId},\"result\":{{}}}}", cts.Token, _session);
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        Assert.Equal(1, Service.Mcp.PingResponses);
    }

    [Fact]
    public async Task Cancelled_StopsTheCall_StreamEndsWithoutResponse()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Call(10, "sleep", "{\"ms\":60000}"), cts.Token, _session);
        await Service.Counters.WaitForRequestsAsync("sleep", 1, cts.Token);

        using var cancel = await Client.PostAsync(
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":10}}", cts.Token, _session);
        var events = await response.ReadAllSseAsync(cts.Token);

        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        Assert.True(Assert.Single(events).IsPriming);
        Assert.Equal(["10"], Service.Mcp.CancelledRequestIds);
        Assert.Equal(1, Service.Mcp.CancelledInFlight);
    }

    [Fact]
    public async Task FailNext_InSession_ReturnsHttpErrorBeforeTheStream()
    {
        using var cts = TestHttp.Deadline();
        Service.Faults.FailNext(TestFaults.AnyTool, 1, 429, retryAfter: "2");

        using var response = await Client.PostAsync(McpHttp.Call(11, "add", "{\"a\":1,\"b\":2}"), cts.Token, _session);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(JsonValueKind.Object, (await response.ReadJsonAsync(cts.Token)).GetProperty("error").ValueKind);
    }
}
