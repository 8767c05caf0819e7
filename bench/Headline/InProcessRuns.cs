using System.Diagnostics;
using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using System.Text;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.ServerSentEvents;
using Polly;
using Polly.CircuitBreaker;

namespace Cortex.Mcp.Fast.Bench.Headline;

/// <summary>SSE parsing throughput for one contender.</summary>
public sealed record SseResult(string Name, double MegabytesPerSecond, double EventsPerSecond, double AllocatedBytesPerEvent);

/// <summary>Breaker closed-path cost for one contender.</summary>
public sealed record BreakerResult(string Name, double NanosecondsPerOperation, double AllocatedBytesPerOperation);

/// <summary>
/// The in-process parts of the headline run: the same in-memory SSE stream through our parser and
/// System.Net.ServerSentEvents, and a closed breaker's acquire + success against a Polly 8 circuit-breaker pipeline.
/// Each is a timed loop on this thread; the BenchmarkDotNet suites (<c>micro</c>) give the rigorous figures.
/// </summary>
public static class InProcessRuns
{
    private const int EventCount = 10_000;
    private static readonly byte[] s_stream = BuildStream();

    public static async Task<SseResult> RunSseAsync(string name, TimeSpan duration)
    {
        await ParseOnceAsync(name).ConfigureAwait(false); // warm up
        long events = 0;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        var passes = 0;
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            events += await ParseOnceAsync(name).ConfigureAwait(false);
            passes++;
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        // A MemoryStream and a PipeReader (or SseParser) per pass are fixed costs of the harness, not per event.
        return new SseResult(name, (double)s_stream.Length * passes / elapsed / 1e6, events / elapsed, (double)allocated / events);
    }

    public static BreakerResult RunBreaker(string name, TimeSpan duration)
    {
        const int batch = 100_000;
        Func<long> run = name switch
        {
            "cortex-breaker" => CortexBreakerLoop(batch),
            "polly-breaker" => PollyBreakerLoop(batch),
            _ => throw new ArgumentException($"Unknown breaker contender '{name}'.", nameof(name)),
        };
        run(); // warm up
        long operations = 0;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < duration)
        {
            operations += run();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        return new BreakerResult(name, elapsed.TotalNanoseconds / operations, (double)allocated / operations);
    }

    private static async Task<long> ParseOnceAsync(string name)
    {
        using var stream = new MemoryStream(s_stream, writable: false);
        long count = 0;
        if (name == "cortex-sse")
        {
            var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024));
            using var reader = new SseEventReader(pipe);
            while (await reader.MoveNextAsync().ConfigureAwait(false))
            {
                count += reader.Current.Data.Length > 0 ? 1 : 0;
            }

            await pipe.CompleteAsync().ConfigureAwait(false);
        }
        else
        {
            var parser = SseParser.Create(stream, static (_, data) => data.Length);
            await foreach (var item in parser.EnumerateAsync().ConfigureAwait(false))
            {
                count += item.Data > 0 ? 1 : 0;
            }
        }

        if (count != EventCount)
        {
            throw new InvalidOperationException($"{name} parsed {count} events, expected {EventCount}.");
        }

        return count;
    }

    private static Func<long> CortexBreakerLoop(int batch)
    {
        var breaker = new CircuitBreaker(new CircuitBreakerOptions(), TimeProvider.System);
        return () =>
        {
            for (var i = 0; i < batch; i++)
            {
                if (breaker.TryAcquire(out var permit, out _))
                {
                    breaker.RecordSuccess(in permit);
                }
            }

            return batch;
        };
    }

    private static Func<long> PollyBreakerLoop(int batch)
    {
        var pipeline = new ResiliencePipelineBuilder().AddCircuitBreaker(new CircuitBreakerStrategyOptions()).Build();
        return () =>
        {
            for (var i = 0; i < batch; i++)
            {
                pipeline.Execute(static () => { });
            }

            return batch;
        };
    }

    private static byte[] BuildStream()
    {
        var builder = new StringBuilder();
        for (var i = 0; i < EventCount; i++)
        {
            builder.Append("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progress\":")
                .Append(i)
                .Append(",\"total\":10000}}\n\n");
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }
}
