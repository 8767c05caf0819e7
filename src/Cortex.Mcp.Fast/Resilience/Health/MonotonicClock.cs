namespace Cortex.Mcp.Fast.Resilience;

/// <summary>
/// Monotonic time in <see cref="TimeProvider.GetTimestamp"/> units, counted from the moment the owner was built.
/// </summary>
/// <remarks>
/// Every resilience component reads time only through this struct, so that they agree on one time base: raw
/// timestamps (never <see cref="TimeProvider.GetUtcNow"/>, which can jump with the wall clock). Readings are made
/// relative to an origin so that they are small non-negative numbers that fit the breaker's packed state word.
/// A provider whose timestamps run backwards (only a fake one can) is clamped at the origin, never negative.
/// </remarks>
internal readonly struct MonotonicClock
{
    /// <summary>The source of timestamps.</summary>
    private readonly TimeProvider _timeProvider;

    /// <summary>The timestamp taken at construction; readings are relative to it.</summary>
    private readonly long _origin;

    /// <summary><see cref="TimeProvider.TimestampFrequency"/>, cached.</summary>
    private readonly long _frequency;

    /// <summary>Creates a clock over <paramref name="timeProvider"/>, starting now.</summary>
    public MonotonicClock(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
        _frequency = timeProvider.TimestampFrequency;
        _origin = timeProvider.GetTimestamp();
    }

    /// <summary>Timestamp units elapsed since construction; never negative.</summary>
    public long Now()
    {
        long elapsed = _timeProvider.GetTimestamp() - _origin;
        return elapsed < 0 ? 0 : elapsed;
    }

    /// <summary>Converts a non-negative duration to timestamp units (at least 1 for a positive duration).</summary>
    public long ToTimestamps(TimeSpan duration)
    {
        if (duration <= TimeSpan.Zero)
        {
            return 0;
        }

        // FakeTimeProvider and Windows both tick at TimeSpan resolution: keep that case exact.
        double units = _frequency == TimeSpan.TicksPerSecond
            ? duration.Ticks
            : (double)duration.Ticks * _frequency / TimeSpan.TicksPerSecond;
        return units >= long.MaxValue / 4 ? long.MaxValue / 4 : Math.Max(1, (long)units);
    }

    /// <summary>Converts timestamp units back to a duration (non-positive input gives <see cref="TimeSpan.Zero"/>).</summary>
    public TimeSpan ToTimeSpan(long timestamps)
    {
        if (timestamps <= 0)
        {
            return TimeSpan.Zero;
        }

        return _frequency == TimeSpan.TicksPerSecond
            ? TimeSpan.FromTicks(timestamps)
            : TimeSpan.FromTicks((long)((double)timestamps * TimeSpan.TicksPerSecond / _frequency));
    }
}
