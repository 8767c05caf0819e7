using HdrHistogram;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>
/// One interval of a load run's latencies, kept as its non-empty buckets only: a full interval histogram at the
/// harness's range is ~188 KB, so a 30-minute run keeping one per second grew by ~340 MB (found by the chaos soak's
/// RSS check). Expanded back into a histogram, one at a time, when the interval log is written.
/// </summary>
public sealed class CompactInterval
{
    private readonly (long Value, long Count)[] _buckets;

    public CompactInterval(HistogramBase interval)
    {
        ArgumentNullException.ThrowIfNull(interval);
        StartTimeStamp = interval.StartTimeStamp;
        EndTimeStamp = interval.EndTimeStamp;
        TotalCount = interval.TotalCount;
        _buckets = [.. interval.RecordedValues().Select(v => (v.ValueIteratedTo, v.CountAtValueIteratedTo))];
    }

    public long StartTimeStamp { get; }

    public long EndTimeStamp { get; }

    public long TotalCount { get; }

    /// <summary>Writes the interval's counts into <paramref name="target"/> (reset first) with its time stamps.</summary>
    public HistogramBase ExpandInto(HistogramBase target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.Reset();
        foreach (var (value, count) in _buckets)
        {
            target.RecordValueWithCount(value, count);
        }

        target.StartTimeStamp = StartTimeStamp;
        target.EndTimeStamp = EndTimeStamp;
        return target;
    }
}
