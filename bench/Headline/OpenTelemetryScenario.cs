using System.Diagnostics;
using Cortex.Mcp.Fast.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Cortex.Mcp.Fast.Bench.Headline;

/// <summary>
/// A Cortex contender with the real OpenTelemetry SDK turned on the way the README shows (the library's source and
/// meter, every span sampled), exporting to exporters that drop what they get: a batch processor for spans and a
/// periodic reader (every second) for metrics, so the cost measured is the library's instrumentation plus the SDK's
/// own work, not an exporter's I/O, and memory stays flat. The SDK's listeners are process-wide, so they exist only
/// between <see cref="BeginRoundAsync"/> and <see cref="EndRoundAsync"/>: every other contender of the interleaved
/// rounds runs with no listener. The SDK's background export threads count in this process's CPU, as they would in
/// a user's.
/// </summary>
public sealed class OpenTelemetryScenario : CallScenario
{
    private const int MetricExportIntervalMilliseconds = 1_000;

    private readonly CallScenario _inner;
    private readonly DiscardingExporter<Activity> _spans = new();
    private readonly DiscardingExporter<Metric> _metrics = new();
    private TracerProvider? _tracing;
    private MeterProvider? _meters;

    /// <param name="name">This contender's name.</param>
    /// <param name="inner">Its twin without telemetry: the calls it makes (owned; disposed with this).</param>
    public OpenTelemetryScenario(string name, CallScenario inner)
        : base(name, Scenarios.BaselineOf(name)) => _inner = inner;

    /// <summary>Spans handed to the exporter so far (all rounds).</summary>
    public long ExportedSpans => _spans.Items;

    /// <summary>Metric streams handed to the exporter so far (all collections of all rounds).</summary>
    public long ExportedMetrics => _metrics.Items;

    /// <summary>True while the SDK's providers exist (between the round hooks).</summary>
    public bool Listening => _tracing is not null;

    public override ValueTask CallAsync(CancellationToken cancellationToken) => _inner.CallAsync(cancellationToken);

    public override ValueTask BeginRoundAsync(CancellationToken cancellationToken)
    {
        if (_tracing is not null)
        {
            throw new InvalidOperationException("BeginRoundAsync called twice without EndRoundAsync.");
        }

        _tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(McpTelemetry.Name)
            .SetSampler(new AlwaysOnSampler())
            .AddProcessor(new BatchActivityExportProcessor(_spans))
            .Build();
        _meters = Sdk.CreateMeterProviderBuilder()
            .AddMeter(McpTelemetry.Name)
            .AddReader(new PeriodicExportingMetricReader(_metrics, MetricExportIntervalMilliseconds))
            .Build();
        return ValueTask.CompletedTask;
    }

    public override ValueTask EndRoundAsync()
    {
        // Disposing flushes: the last batch of spans and a final metric collection reach the exporters.
        _tracing?.Dispose();
        _meters?.Dispose();
        _tracing = null;
        _meters = null;
        return ValueTask.CompletedTask;
    }

    public override async ValueTask DisposeAsync()
    {
        await EndRoundAsync().ConfigureAwait(false);
        await _inner.DisposeAsync().ConfigureAwait(false);
        _spans.Dispose();
        _metrics.Dispose();
    }

    /// <summary>Counts what it is given and drops it (it still walks the batch, as any exporter does).</summary>
    private sealed class DiscardingExporter<T> : BaseExporter<T>
        where T : class
    {
        private long _items;

        public long Items => Interlocked.Read(ref _items);

        public override ExportResult Export(in Batch<T> batch)
        {
            long count = 0;
            foreach (var item in batch)
            {
                count += item is null ? 0 : 1;
            }

            Interlocked.Add(ref _items, count);
            return ExportResult.Success;
        }
    }
}
