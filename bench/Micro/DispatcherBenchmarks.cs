using System.Runtime.CompilerServices;
using BenchmarkDotNet.Attributes;
using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cortex.Mcp.Fast.Bench.Micro;

/// <summary>
/// The dispatcher alone (issue 3): enqueue → channel → worker → breaker → transport → completion, over a transport
/// that completes at once with a cached result. Measures the dispatch path's own cost and allocations.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(MicroConfig))]
public class DispatcherBenchmarks
{
    private const int Calls = 1000;
    private ServiceDispatcher _dispatcher = null!;
    private readonly ValueTask<ToolResult>[] _pending = new ValueTask<ToolResult>[Calls];

    [Params(1, 64)]
    public int Concurrency { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var options = new McpServiceOptions { Queue = { WorkerCount = 8, Capacity = 4096 } };
        var transport = new InstantTransport();
        _dispatcher = new ServiceDispatcher("bench", options, new ServiceEndpoint(transport, new CircuitBreaker(options.CircuitBreaker, TimeProvider.System)), TimeProvider.System, Random.Shared.NextDouble, NullLogger.Instance);
    }

    [GlobalCleanup]
    public void Cleanup() => _dispatcher.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Calls issued in waves of <see cref="Concurrency"/> outstanding calls; per-call figures.</summary>
    [Benchmark(OperationsPerInvoke = Calls)]
    public async Task Dispatch()
    {
        var done = 0;
        for (var start = 0; start < Calls; start += Concurrency)
        {
            var end = Math.Min(Calls, start + Concurrency);
            for (var i = start; i < end; i++)
            {
                _pending[i] = _dispatcher.EnqueueAsync("echo", "{}"u8, null, CancellationToken.None);
            }

            for (var i = start; i < end; i++)
            {
                var result = await _pending[i].ConfigureAwait(false);
                done += result is null ? 0 : 1;
            }
        }

        if (done != Calls)
        {
            throw new InvalidOperationException($"Expected {Calls} results, got {done}.");
        }
    }

    /// <summary>Completes every call at once with one shared (non-pooled) result, so only dispatch is measured.</summary>
    private sealed class InstantTransport : IMcpTransport
    {
        private readonly ToolResult _result = ToolResult.FromUtf8("{}"u8);

        public Uri Address { get; } = new("http://127.0.0.1:1/");

        public int OpenConnections => 0;

        public ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<ToolResult> CallToolAsync(string tool, ReadOnlyMemory<byte> argumentsUtf8, Cortex.Mcp.Fast.Transports.ToolCallMeta meta, IProgress<McpProgress>? progress, CancellationToken cancellationToken) =>
            new(_result);

        public string? ValidateResourcePath(string path) => null;

        public async IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.CompletedTask.ConfigureAwait(false);
            yield break;
        }

        public ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken) =>
            throw new NotSupportedException();

        public ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken) =>
            new(Array.Empty<McpToolInfo>());

        public async IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string uri, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield break;
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
