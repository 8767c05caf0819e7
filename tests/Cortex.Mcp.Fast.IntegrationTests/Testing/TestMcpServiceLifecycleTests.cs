using System.IO.Pipelines;
using System.Net;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing;

public sealed class TestMcpServiceLifecycleTests
{
    [Fact]
    public async Task Counters_ClientDisposesHandler_OpenConnectionsBackToZero()
    {
        using var cts = TestHttp.Deadline();
        await using var service = await TestMcpService.StartAsync(cancellationToken: cts.Token);
        var client = TestHttp.CreateClient(service.BaseAddress, h => h.MaxConnectionsPerServer = 2);
        try
        {
            service.Faults.Gate.Close(); // hold two calls so that the client must open two connections
            var calls = new[] { client.CallAsync("echo", "{}", cts.Token), client.CallAsync("echo", "{}", cts.Token) };
            await service.Faults.Gate.WaitForWaitingAsync(2, cts.Token);
            Assert.Equal(2, service.Counters.OpenConnections);
            service.Faults.Gate.Release();
            foreach (var response in await Task.WhenAll(calls))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                response.Dispose();
            }

            Assert.Equal(2, service.Counters.OpenConnections); // kept alive in the client's pool
        }
        finally
        {
            client.Dispose();
        }

        await service.Counters.WaitForOpenConnectionsAsync(0, cts.Token);
        Assert.Equal(2, service.Counters.AcceptedConnections);
        Assert.Equal(2, service.Counters.TotalRequests);
    }

    [Fact]
    public async Task Counters_WaitUntilAsync_Cancelled_Throws()
    {
        await using var service = await TestMcpService.StartAsync();
        using var cts = new CancellationTokenSource();
        var wait = service.Counters.WaitForRequestsAsync("echo", 1, cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
    }

    [Fact]
    public async Task DisposeAsync_WithOpenStreamsAndHeldCalls_StopsPromptly()
    {
        using var cts = TestHttp.Deadline(10);
        var service = await TestMcpService.StartAsync(cancellationToken: cts.Token);
        using var client = TestHttp.CreateClient(service.BaseAddress);
        using var endless = await client.OpenStreamAsync("endless/5", cts.Token);
        using var slow = await client.OpenStreamAsync("slow/1000/1000", cts.Token);
        service.Faults.Gate.Close();
        var held = client.CallAsync("echo", "{}", cts.Token);
        var sleeping = client.CallAsync("sleep", "{\"ms\": 600000}", cts.Token);
        await service.Faults.Gate.WaitForWaitingAsync(2, cts.Token); // both held at the gate

        await service.DisposeAsync().AsTask().WaitAsync(cts.Token);

        await TestHttp.AssertTransportFailureAsync(() => endless.ReadAllEventsAsync(cts.Token));
        await TestHttp.AssertTransportFailureAsync(() => held);
        await TestHttp.AssertTransportFailureAsync(() => sleeping);
        Assert.Equal(0, service.Counters.OpenConnections);
    }

    [Fact]
    public async Task StartAsync_Http2Only_ServesH2cWithPriorKnowledge()
    {
        using var cts = TestHttp.Deadline();
        await using var service = await TestMcpService.StartAsync(
            new TestMcpServiceOptions { Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2 }, cts.Token);
        using var client = TestHttp.CreateClient(service.BaseAddress);
        client.DefaultRequestVersion = HttpVersion.Version20;
        client.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;

        using var echo = await client.CallAsync("echo", "{\"h\":2}", cts.Token);
        using var stream = await client.OpenStreamAsync("events/3", cts.Token);

        Assert.Equal(HttpVersion.Version20, echo.Version);
        Assert.Equal(HttpVersion.Version20, stream.Version);
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        Assert.Equal("{\"echo\":{\"h\":2}}", await echo.Content.ReadAsStringAsync(cts.Token));
        Assert.Equal(3, (await stream.ReadAllEventsAsync(cts.Token)).Count);
    }

    [Fact]
    public async Task StartAsync_InvalidOptions_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => TestMcpService.StartAsync(new TestMcpServiceOptions { Port = -1 }));
        await Assert.ThrowsAsync<ArgumentException>(() => TestMcpService.StartAsync(new TestMcpServiceOptions { RequireClientCertificate = true }));
    }

    [Fact]
    public async Task Host_RunAsync_PrintsListeningServesAndStopsWhenStdinCloses()
    {
        using var cts = TestHttp.Deadline();
        var stdin = new Pipe();
        var stdout = new Pipe();
        await using var output = new StreamWriter(stdout.Writer.AsStream()) { AutoFlush = true };
        var run = TestMcpServiceHost.RunAsync(["--port", "0", "--error-rate", "1", "--error-status", "504", "--tool-latency-ms", "1"],
            output, stdin.Reader.AsStream(), cts.Token);

        using var reader = new StreamReader(stdout.Reader.AsStream());
        var line = await reader.ReadLineAsync(cts.Token);

        Assert.NotNull(line);
        Assert.Matches(@"^LISTENING http://127\.0\.0\.1:\d+$", line);
        var address = new Uri(line[TestMcpServiceHost.ListeningPrefix.Length..]);
        using (var client = TestHttp.CreateClient(address))
        {
            using var response = await client.CallAsync("echo", "{}", cts.Token);
            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode); // --error-rate 1, --error-status 504
        }

        Assert.False(run.IsCompleted);
        await stdin.Writer.CompleteAsync(); // the parent closed our stdin
        Assert.Equal(0, await run.WaitAsync(cts.Token));
    }

    [Fact]
    public async Task Host_RunAsync_Cancelled_StopsWithZero()
    {
        using var cts = TestHttp.Deadline();
        using var stop = new CancellationTokenSource();
        var stdout = new Pipe();
        await using var output = new StreamWriter(stdout.Writer.AsStream()) { AutoFlush = true };
        var run = TestMcpServiceHost.RunAsync(["--ignore-stdin"], output, Stream.Null, stop.Token);
        using var reader = new StreamReader(stdout.Reader.AsStream());
        Assert.StartsWith(TestMcpServiceHost.ListeningPrefix, await reader.ReadLineAsync(cts.Token), StringComparison.Ordinal);

        Assert.False(run.IsCompleted); // --ignore-stdin: an empty stdin does not stop it
        await stop.CancelAsync(); // what SIGTERM does
        Assert.Equal(0, await run.WaitAsync(cts.Token));
    }

    [Theory]
    [InlineData("--port", "x")]
    [InlineData("--error-rate", "2")]
    [InlineData("--bogus", "1")]
    [InlineData("--port")]
    public async Task Host_RunAsync_BadArguments_Returns2(params string[] args)
    {
        Assert.Equal(2, await TestMcpServiceHost.RunAsync(args, TextWriter.Null, Stream.Null, CancellationToken.None));
    }
}
