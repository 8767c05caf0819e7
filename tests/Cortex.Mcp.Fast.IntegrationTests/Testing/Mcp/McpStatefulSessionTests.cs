using System.Net;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing.Mcp;

public sealed class McpStatefulSessionTests : TestMcpServiceTest
{
    public McpStatefulSessionTests()
        : base(new TestMcpServiceOptions { McpMode = TestMcpMode.StatefulSse })
    {
    }

    internal static async Task<string> StartSessionAsync(HttpClient client, CancellationToken ct, string version = "2025-11-25")
    {
        using var response = await client.PostAsync(McpHttp.Initialize(1, version), ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sessionId = Assert.Single(response.Headers.GetValues(McpHttp.SessionHeader));
        await response.ReadAllSseAsync(ct);
        return sessionId;
    }

    [Fact]
    public async Task Initialize_Latest_CreatesSessionAndRepliesWithPrimingThenResponse()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Initialize(1), cts.Token);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var sessionId = Assert.Single(response.Headers.GetValues(McpHttp.SessionHeader));
        Assert.Matches("^[\\x21-\\x7E]{16,}$", sessionId);
        var events = await response.ReadAllSseAsync(cts.Token);
        Assert.Equal(2, events.Count);
        Assert.True(events[0].IsPriming);
        Assert.Equal(0, events[0].Retry);
        Assert.EndsWith("-0", events[0].Id, StringComparison.Ordinal);
        var streamId = events[0].Id![..^2];
        Assert.Equal(streamId + "-1", events[1].Id);
        Assert.Equal("message", events[1].Event);
        Assert.Equal("2025-11-25", events.ResponseFor(1).GetProperty("result").GetProperty("protocolVersion").GetString());
        Assert.Equal(1, Service.Mcp.LiveSessions);
        Assert.Equal(1, Service.Mcp.Initializations);
    }

    [Fact]
    public async Task Initialize_2025_06_18_HasNoPrimingEvent()
    {
        using var cts = TestHttp.Deadline();
        using var init = await Client.PostAsync(McpHttp.Initialize(1, "2025-06-18"), cts.Token);
        var sessionId = Assert.Single(init.Headers.GetValues(McpHttp.SessionHeader));
        var initEvents = await init.ReadAllSseAsync(cts.Token);

        using var call = await Client.PostAsync(McpHttp.Call(2, "echo"), cts.Token, sessionId);
        var events = await call.ReadAllSseAsync(cts.Token);

        Assert.DoesNotContain(initEvents, e => e.IsPriming);
        var only = Assert.Single(events);
        Assert.NotNull(only.Id);
        Assert.False(events.ResponseFor(2).GetProperty("result").GetProperty("isError").GetBoolean());
    }

    [Fact]
    public async Task Request_WithoutSession_Returns400()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.PostAsync(McpHttp.Request(2, "tools/list"), cts.Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = await response.ReadJsonAsync(cts.Token);
        Assert.Equal(-32000, message.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task ExpireSessions_Default_LaterRequestsGet404SessionNotFound()
    {
        using var cts = TestHttp.Deadline();
        var sessionId = await StartSessionAsync(Client, cts.Token);

        Assert.Equal(1, Service.Mcp.ExpireSessions());
        using var response = await Client.PostAsync(McpHttp.Request(2, "ping"), cts.Token, sessionId);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32001,\"message\":\"Session not found\"}}",
            await response.Content.ReadAsStringAsync(cts.Token));
        Assert.Equal(0, Service.Mcp.LiveSessions);
    }

    [Fact]
    public async Task ExpireSessions_LostStatus400_MimicsServerEverything()
    {
        using var cts = TestHttp.Deadline();
        Service.Mcp.SessionLostStatus = 400;
        var sessionId = await StartSessionAsync(Client, cts.Token);

        Service.Mcp.ExpireSessions();
        using var response = await Client.PostAsync(McpHttp.Request(2, "ping"), cts.Token, sessionId);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32000,\"message\":\"Bad Request: No valid session ID provided\"}}",
            await response.Content.ReadAsStringAsync(cts.Token));
    }

    [Fact]
    public async Task Delete_EndsTheSession()
    {
        using var cts = TestHttp.Deadline();
        var sessionId = await StartSessionAsync(Client, cts.Token);

        using var delete = new HttpRequestMessage(HttpMethod.Delete, "mcp");
        delete.Headers.Add(McpHttp.SessionHeader, sessionId);
        using (var deleted = await Client.SendAsync(delete, cts.Token))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
            Assert.Empty(await deleted.Content.ReadAsByteArrayAsync(cts.Token));
        }

        using var after = await Client.PostAsync(McpHttp.Request(2, "ping"), cts.Token, sessionId);
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        Assert.Equal(1, Service.Mcp.Deletes);
        Assert.Equal(0, Service.Mcp.LiveSessions);
    }

    [Fact]
    public async Task Notification_InSession_Returns202()
    {
        using var cts = TestHttp.Deadline();
        var sessionId = await StartSessionAsync(Client, cts.Token);

        using var response = await Client.PostAsync("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
            cts.Token, sessionId);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task SecondStandaloneGet_Returns409()
    {
        using var cts = TestHttp.Deadline();
        var sessionId = await StartSessionAsync(Client, cts.Token);
        using var first = await Client.OpenMcpStreamAsync(sessionId, cts.Token);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await Service.Mcp.WaitUntilAsync(m => m.OpenStandaloneStreams == 1, cts.Token);

        using var second = await Client.OpenMcpStreamAsync(sessionId, cts.Token);

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal(-32000, (await second.ReadJsonAsync(cts.Token)).GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task StandaloneStream_Subscribed_ReceivesResourceUpdated_AndEndsWithTheSession()
    {
        using var cts = TestHttp.Deadline();
        var sessionId = await StartSessionAsync(Client, cts.Token);
        using (var subscribed = await Client.PostAsync(
            McpHttp.Request(2, "resources/subscribe", "{\"uri\":\"test://text/1\"}"), cts.Token, sessionId))
        {
            Assert.Empty(Assert.Single(await subscribed.ReadAllSseAsync(cts.Token), e => !e.IsPriming)
                .Json.GetProperty("result").EnumerateObject());
        }

        using var stream = await Client.OpenMcpStreamAsync(sessionId, cts.Token);
        await Service.Mcp.WaitUntilAsync(m => m.OpenStandaloneStreams == 1, cts.Token);
        Assert.Equal(0, await Service.Mcp.NotifyResourceUpdatedAsync("test://text/2"));
        Assert.Equal(1, await Service.Mcp.NotifyResourceUpdatedAsync("test://text/1"));
        Service.Mcp.ExpireSessions();

        var events = await stream.ReadAllSseAsync(cts.Token);
        var update = Assert.Single(events);
        Assert.Equal("0-0", update.Id);
        Assert.Equal("notifications/resources/updated", update.Json.GetProperty("method").GetString());
        Assert.Equal("test://text/1", update.Json.GetProperty("params").GetProperty("uri").GetString());
    }

    [Fact]
    public async Task Get_WithoutEventStreamAccept_Returns406()
    {
        using var cts = TestHttp.Deadline();
        var sessionId = await StartSessionAsync(Client, cts.Token);
        using var request = new HttpRequestMessage(HttpMethod.Get, "mcp");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Add(McpHttp.SessionHeader, sessionId);

        using var response = await Client.SendAsync(request, cts.Token);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
    }
}
