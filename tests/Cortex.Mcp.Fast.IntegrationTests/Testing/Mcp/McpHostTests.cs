using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing.Mcp;

public sealed class McpHostTests
{
    [Fact]
    public async Task Host_McpModeStatefulAndStall_ServesSessionsAndStallsTheFirstRequest()
    {
        using var cts = TestHttp.Deadline();
        using var stop = new CancellationTokenSource();
        var stdout = new Pipe();
        await using var output = new StreamWriter(stdout.Writer.AsStream()) { AutoFlush = true };
        var run = TestMcpServiceHost.RunAsync(["--mcp-mode", "stateful", "--stall-ms", "200", "--stall-after-ms", "0", "--ignore-stdin"],
            output, Stream.Null, stop.Token);
        using var reader = new StreamReader(stdout.Reader.AsStream());
        var line = await reader.ReadLineAsync(cts.Token);
        var address = new Uri(line![TestMcpServiceHost.ListeningPrefix.Length..] + "/");

        using (var client = TestHttp.CreateClient(address))
        {
            var started = Stopwatch.StartNew();
            using var response = await client.PostAsync(McpHttp.Initialize(1), cts.Token);
            Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(190), $"no stall: {started.Elapsed}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.Contains(McpHttp.SessionHeader));
        }

        await stop.CancelAsync();
        Assert.Equal(0, await run.WaitAsync(cts.Token));
    }

    [Theory]
    [InlineData("--mcp-mode", "bogus")]
    [InlineData("--stall-ms", "-1")]
    [InlineData("--stall-after-ms", "x")]
    public async Task Host_BadMcpArguments_Returns2(params string[] args)
    {
        Assert.Equal(2, await TestMcpServiceHost.RunAsync(args, TextWriter.Null, Stream.Null, CancellationToken.None));
    }
}
