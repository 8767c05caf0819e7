using System.Net;
using System.Text.Json;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing;

public sealed class TestMcpServiceResourceTests : TestMcpServiceTest
{
    [Fact]
    public async Task Events_N_StreamsNJsonEventsWithIds()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.OpenStreamAsync("events/5", cts.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await response.ReadAllEventsAsync(cts.Token);
        Assert.Equal(5, events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), events[i].Id);
            using var data = JsonDocument.Parse(events[i].Data);
            Assert.Equal(i, data.RootElement.GetProperty("index").GetInt32());
        }

        Assert.Equal(1, Service.Counters.ResourceRequests("events"));
        Assert.Equal(1, Service.Counters.ResourceRequests(""));
        Assert.Equal(0, Service.Counters.ResourceRequests("slow"));
    }

    [Fact]
    public async Task Events_WithLastEventId_ResumesAtNextIndex()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.OpenStreamAsync("events/5", cts.Token, lastEventId: "2");

        var events = await response.ReadAllEventsAsync(cts.Token);

        Assert.Equal(["3", "4"], events.Select(e => e.Id));
    }

    [Fact]
    public async Task Slow_NEventsMsApart_StreamsEachAsItIsWritten()
    {
        using var cts = TestHttp.Deadline();
        var started = System.Diagnostics.Stopwatch.StartNew(); // the two 20 ms gaps fall after this
        using var response = await Client.OpenStreamAsync("slow/3/20", cts.Token);

        var events = await response.ReadAllEventsAsync(cts.Token);

        Assert.Equal(3, events.Count);
        Assert.True(started.ElapsedMilliseconds >= 35, $"took {started.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task Cut_N_DeliversNEventsThenBreaksTheConnection()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.OpenStreamAsync("cut/3", cts.Token);
        var received = new List<string?>();

        await TestHttp.AssertTransportFailureAsync(async () =>
        {
            await foreach (var e in response.ReadEventsAsync(cts.Token))
            {
                received.Add(e.Id);
            }
        });

        Assert.Equal(["0", "1", "2"], received);
    }

    [Fact]
    public async Task Cut_ResumedPastTheCut_ContinuesToTotalAndEndsCleanly()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.OpenStreamAsync("cut/3/5", cts.Token, lastEventId: "2");

        var events = await response.ReadAllEventsAsync(cts.Token);

        Assert.Equal(["3", "4"], events.Select(e => e.Id));
    }

    [Fact]
    public async Task Invalid_N_EveryThirdDataIsNotJson()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.OpenStreamAsync("invalid/6", cts.Token);

        var events = await response.ReadAllEventsAsync(cts.Token);

        Assert.Equal(6, events.Count);
        var valid = events.Select(e => IsJson(e.Data)).ToArray();
        Assert.Equal([true, true, false, true, true, false], valid);
    }

    [Fact]
    public async Task Endless_ClientStopsReading_StreamEndsAndConnectionCloses()
    {
        using var cts = TestHttp.Deadline();
        using (var response = await Client.OpenStreamAsync("endless", cts.Token))
        {
            var count = 0;
            await foreach (var e in response.ReadEventsAsync(cts.Token))
            {
                Assert.Equal(count.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Id);
                if (++count == 200)
                {
                    break;
                }
            }
        }

        Client.Dispose(); // the connection was not reusable anyway; make sure it closes
        await Service.Counters.WaitForOpenConnectionsAsync(0, cts.Token);
        Assert.Equal(1, Service.Counters.ResourceRequests("endless"));
    }

    [Theory]
    [InlineData("nothing/here")]
    [InlineData("events/abc")]
    [InlineData("events")]
    [InlineData("slow/3")]
    [InlineData("cut/5/2")]
    public async Task UnknownResource_Returns404WithDetail(string path)
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.OpenStreamAsync(path, cts.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.StartsWith("Unknown resource: ", await response.ReadDetailAsync(cts.Token), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resource_AcceptOnlyJson_Returns406()
    {
        using var cts = TestHttp.Deadline();
        using var request = new HttpRequestMessage(HttpMethod.Get, "resource/events/1");
        request.Headers.Accept.ParseAdd("application/json");

        using var response = await Client.SendAsync(request, cts.Token);

        Assert.Equal(HttpStatusCode.NotAcceptable, response.StatusCode);
    }

    [Fact]
    public async Task UnknownPath_Returns404()
    {
        using var cts = TestHttp.Deadline();
        using var response = await Client.GetAsync("elsewhere", cts.Token);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, Service.Counters.TotalRequests);
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
