using System.Text;
using BenchmarkDotNet.Attributes;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports;
using Cortex.Mcp.Fast.Transports.Rest;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Bench.Micro;

/// <summary>
/// The transports alone (no queue, workers or breaker): one tool call over loopback to the in-process test service,
/// REST and Streamable HTTP, against a raw HttpClient POST (baseline). Client and service share this process, so
/// allocations include the service's; compare the ratios, and see the headline run for client-only figures.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
public class TransportBenchmarks
{
    private const int Calls = 50;
    private static readonly byte[] s_arguments = Encoding.UTF8.GetBytes("""{"text":"hello from the bench","n":42}""");

    private TestMcpService _service = null!;
    private HttpClient _raw = null!;
    private Uri _rawUri = null!;
    private RestTransport _rest = null!;
    private StreamableHttpTransport _mcp = null!;

    [GlobalSetup]
    public void Setup()
    {
        _service = TestMcpService.StartAsync().GetAwaiter().GetResult();
        _raw = LoopbackEcho.CreateRawClient();
        _rawUri = new Uri(_service.BaseAddress, "tool/echo");
        var options = new McpServiceOptions();
        _rest = new RestTransport("bench", _service.BaseAddress, options, TimeProvider.System);
        _mcp = new StreamableHttpTransport("bench", _service.McpAddress, new McpServiceOptions { Protocol = McpProtocol.StreamableHttp }, TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _rest.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _mcp.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _raw.Dispose();
        _service.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public Task<int> RawHttpClientPost() => LoopbackEcho.RawHttpClientPostsAsync(_raw, _rawUri, s_arguments, Calls);

    [Benchmark(OperationsPerInvoke = Calls)]
    public async Task<int> RestTransportCall()
    {
        var bytes = 0;
        for (var i = 0; i < Calls; i++)
        {
            using var result = await _rest.CallToolAsync("echo", s_arguments, default, null, CancellationToken.None).ConfigureAwait(false);
            bytes += result.Utf8Json.Length;
        }

        return LoopbackEcho.Check(bytes);
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public async Task<int> StreamableHttpTransportCall()
    {
        var bytes = 0;
        for (var i = 0; i < Calls; i++)
        {
            using var result = await _mcp.CallToolAsync("echo", s_arguments, default, null, CancellationToken.None).ConfigureAwait(false);
            bytes += result.Utf8Json.Length;
        }

        return LoopbackEcho.Check(bytes);
    }

    private static int Check(int bytes) =>
        bytes >= Calls * 10 ? bytes : throw new InvalidOperationException($"Only {bytes} result bytes for {Calls} calls.");
}
