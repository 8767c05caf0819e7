using System.Buffers;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports.Http.Direct;

namespace Cortex.Mcp.Fast.Bench.Micro;

/// <summary>
/// The direct HTTP/1.1 engine's parts against HttpClient: one REST echo exchange over loopback to the in-process
/// test service through a raw <see cref="HttpClient"/> (baseline) and through one <see cref="Http1Connection"/>
/// (pre-encoded request, head parsed from the pipe, body read in place); and the engine's request write plus response
/// parse alone, in memory (no socket: what the engine itself costs per call). Client and service share this process,
/// so the loopback rows include the service's allocations; compare ratios.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
public class DirectEngineBenchmarks
{
    private const int Calls = 50;
    private static readonly byte[] s_arguments = Encoding.UTF8.GetBytes("""{"text":"hello from the bench","n":42}""");
    private static readonly byte[] s_response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nDate: Sun, 06 Dec 2026 09:00:00 GMT\r\nServer: Kestrel\r\nContent-Length: 52\r\n\r\n"
        + """{"echo":{"text":"hello from the bench","n":42}}    """);

    private readonly ArrayBufferWriter<byte> _written = new(512);
    private readonly Http1ResponseHead _head = new();
    private TestMcpService _service = null!;
    private HttpClient _raw = null!;
    private Uri _rawUri = null!;
    private Http1Connection _direct = null!;
    private PreEncodedRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _service = TestMcpService.StartAsync().GetAwaiter().GetResult();
        _raw = LoopbackEcho.CreateRawClient();
        _rawUri = new Uri(_service.BaseAddress, "tool/echo");
        var endPoint = new IPEndPoint(IPAddress.Loopback, _service.BaseAddress.Port);
        _direct = Http1Connection.ConnectAsync(endPoint, Http1Limits.Default, TimeSpan.FromSeconds(10), TimeProvider.System, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _request = new PreEncodedRequest("POST", _rawUri.PathAndQuery, _rawUri.Authority, [new("Content-Type", "application/json")]);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _direct.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _raw.Dispose();
        _service.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public Task<int> RawHttpClientPost() => LoopbackEcho.RawHttpClientPostsAsync(_raw, _rawUri, s_arguments, Calls);

    [Benchmark(OperationsPerInvoke = Calls)]
    public async Task<int> DirectConnectionPost()
    {
        var bytes = 0;
        for (var i = 0; i < Calls; i++)
        {
            var head = await _direct.SendAsync(_request, default, s_arguments, CancellationToken.None).ConfigureAwait(false);
            if (head.StatusCode != 200)
            {
                throw new InvalidOperationException($"HTTP {head.StatusCode}");
            }

            while (true)
            {
                var piece = await _direct.ReadBodyAsync(CancellationToken.None).ConfigureAwait(false);
                if (piece.IsEmpty)
                {
                    break;
                }

                bytes += (int)piece.Length;
            }
        }

        return LoopbackEcho.Check(bytes);
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public int InMemoryWriteAndParse()
    {
        var bytes = 0;
        var response = new ReadOnlySequence<byte>(s_response);
        for (var i = 0; i < Calls; i++)
        {
            _written.ResetWrittenCount();
            Http1RequestWriter.Write(_written, _request, default, s_arguments);
            var scan = default(Http1HeadScanState);
            _head.Reset();
            var parser = new Http1ResponseParser(ref scan, Http1Limits.Default);
            if (!parser.TryParse(response, requestWasHead: false, _head, out var consumed, out _))
            {
                throw new InvalidOperationException("The canned response did not parse.");
            }

            bytes += _written.WrittenCount + (int)response.Slice(consumed).Length;
        }

        return bytes;
    }
}
