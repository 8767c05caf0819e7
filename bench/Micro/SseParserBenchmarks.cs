using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Net.ServerSentEvents;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Validators;
using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Bench.Micro;

/// <summary>The event shapes measured.</summary>
public enum SseShape
{
    /// <summary><c>data: {~110 bytes of JSON}</c> then a blank line.</summary>
    DataOnly,

    /// <summary>What MCP servers send: <c>event: message</c>, a uuid <c>id</c>, then the same data line.</summary>
    Mcp,
}

/// <summary>
/// Our <see cref="SseEventReader"/> against <see cref="SseParser"/> (the baseline) and a naive
/// <see cref="StreamReader"/> line loop, over the same pre-built in-memory stream of 10,000 events. Every figure is
/// per event (<c>OperationsPerInvoke</c>); every run checks it saw all the events.
/// </summary>
[Config(typeof(SseBenchConfig))]
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class SseParserBenchmarks
{
    /// <summary>Events in the stream; one invocation parses all of them.</summary>
    public const int EventCount = 10_000;

    /// <summary>The whole event stream, built once.</summary>
    private byte[] _body = [];

    /// <summary>Gets or sets the event shape.</summary>
    [Params(SseShape.DataOnly, SseShape.Mcp)]
    public SseShape Shape { get; set; }

    /// <summary>Builds the stream for <see cref="Shape"/>.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _body = BuildStream(Shape, EventCount);
        if (SseParserSync() != EventCount || CortexReaderSync() != EventCount || StreamReaderSync() != EventCount)
        {
            throw new InvalidOperationException("A parser did not see every event.");
        }
    }

    /// <summary>System.Net.ServerSentEvents over a MemoryStream, async enumeration.</summary>
    [BenchmarkCategory("Async")]
    [Benchmark(Baseline = true, OperationsPerInvoke = EventCount)]
    public async Task<int> SseParserAsync()
    {
        int count = 0;
        long bytes = 0;
        await foreach (SseItem<int> item in SseParser.Create(new MemoryStream(_body, writable: false), static (_, data) => data.Length).EnumerateAsync())
        {
            count++;
            bytes += item.Data;
        }

        return Check(count, bytes);
    }

    /// <summary>Our reader over <see cref="PipeReader.Create(Stream, StreamPipeReaderOptions?)"/> on the same MemoryStream.</summary>
    [BenchmarkCategory("Async")]
    [Benchmark(OperationsPerInvoke = EventCount)]
    public async Task<int> CortexReaderAsync()
    {
        PipeReader pipe = PipeReader.Create(new MemoryStream(_body, writable: false));
        int count = 0;
        long bytes = 0;
        using (var reader = new SseEventReader(pipe))
        {
            while (await reader.MoveNextAsync())
            {
                count++;
                bytes += reader.Current.Data.Length;
            }
        }

        await pipe.CompleteAsync();
        return Check(count, bytes);
    }

    /// <summary>A naive <see cref="StreamReader.ReadLineAsync()"/> loop: a string per line, a blank line ends an event.</summary>
    [BenchmarkCategory("Async")]
    [Benchmark(OperationsPerInvoke = EventCount)]
    public async Task<int> StreamReaderAsync()
    {
        using var text = new StreamReader(new MemoryStream(_body, writable: false), Encoding.UTF8);
        int count = 0;
        long bytes = 0;
        while (await text.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                count++;
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                bytes += line.Length - 6;
            }
        }

        return Check(count, bytes);
    }

    /// <summary>System.Net.ServerSentEvents over a MemoryStream, sync enumeration.</summary>
    [BenchmarkCategory("Sync")]
    [Benchmark(Baseline = true, OperationsPerInvoke = EventCount)]
    public int SseParserSync()
    {
        int count = 0;
        long bytes = 0;
        foreach (SseItem<int> item in SseParser.Create(new MemoryStream(_body, writable: false), static (_, data) => data.Length).Enumerate())
        {
            count++;
            bytes += item.Data;
        }

        return Check(count, bytes);
    }

    /// <summary>Our reader over the buffered body as a <see cref="ReadOnlySequence{T}"/>.</summary>
    [BenchmarkCategory("Sync")]
    [Benchmark(OperationsPerInvoke = EventCount)]
    public int CortexReaderSync()
    {
        int count = 0;
        long bytes = 0;
        using var reader = new SseEventReader(new ReadOnlySequence<byte>(_body));
        while (reader.MoveNext())
        {
            count++;
            bytes += reader.Current.Data.Length;
        }

        return Check(count, bytes);
    }

    /// <summary>A naive <see cref="StreamReader.ReadLine"/> loop.</summary>
    [BenchmarkCategory("Sync")]
    [Benchmark(OperationsPerInvoke = EventCount)]
    public int StreamReaderSync()
    {
        using var text = new StreamReader(new MemoryStream(_body, writable: false), Encoding.UTF8);
        int count = 0;
        long bytes = 0;
        while (text.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                count++;
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                bytes += line.Length - 6;
            }
        }

        return Check(count, bytes);
    }

    /// <summary>Builds <paramref name="events"/> events of the given shape.</summary>
    internal static byte[] BuildStream(SseShape shape, int events)
    {
        var text = new StringBuilder();
        for (int i = 0; i < events; i++)
        {
            if (shape == SseShape.Mcp)
            {
                text.Append("event: message\nid: 5f0c2a9e-1b7d-4c3e-9a41-")
                    .Append(i.ToString("D12", CultureInfo.InvariantCulture))
                    .Append('\n');
            }

            text.Append("data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":\"t-17\",\"progress\":")
                .Append((i % 100_000).ToString("D5", CultureInfo.InvariantCulture))
                .Append(",\"total\":100000}}\n\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private int Check(int count, long bytes)
    {
        // Self-check: every parser must see every event and some data (ASCII body, so bytes == chars).
        if (count != EventCount || bytes <= 0)
        {
            throw new InvalidOperationException($"Expected {EventCount} events, saw {count} ({bytes} data bytes).");
        }

        return count;
    }
}

/// <summary>
/// A short job for the shared 2-core machine: one launch, few warmups and iterations; per-event throughput column;
/// fails on a non-optimised build.
/// </summary>
public sealed class SseBenchConfig : ManualConfig
{
    /// <summary>Creates the config.</summary>
    public SseBenchConfig()
    {
        AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(7).WithId("Short"));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.OperationsPerSecond);
        AddValidator(JitOptimizationsValidator.FailOnError);
    }
}
