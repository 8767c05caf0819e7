namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>
/// A constant arrival rate: call <c>i</c> is due at <c>start + i / rate</c>. Offsets are computed from the index
/// each time (never by adding a period), so rounding never accumulates into drift.
/// </summary>
/// <remarks>Pure: no clock, no state. Offsets are in the ticks of the clock whose frequency is given.</remarks>
public readonly struct LoadSchedule
{
    private readonly double _ticksPerCall;

    /// <param name="ratePerSecond">Calls per second; must be positive and finite.</param>
    /// <param name="frequency">Ticks per second of the clock (e.g. <see cref="System.Diagnostics.Stopwatch.Frequency"/>).</param>
    public LoadSchedule(double ratePerSecond, long frequency)
    {
        if (!double.IsFinite(ratePerSecond) || ratePerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "The rate must be a positive number.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frequency);
        RatePerSecond = ratePerSecond;
        Frequency = frequency;
        _ticksPerCall = frequency / ratePerSecond;
    }

    /// <summary>Calls per second.</summary>
    public double RatePerSecond { get; }

    /// <summary>Clock ticks per second.</summary>
    public long Frequency { get; }

    /// <summary>The intended send time of call <paramref name="index"/>, in ticks after the start.</summary>
    public long IntendedOffset(long index) => (long)Math.Round(index * _ticksPerCall);

    /// <summary>The number of calls whose intended send time falls in <c>[0, windowTicks)</c>.</summary>
    public long CountWithin(long windowTicks)
    {
        if (windowTicks <= 0)
        {
            return 0;
        }

        // Estimate, then settle on the exact boundary with the same rounding IntendedOffset uses.
        var count = (long)Math.Ceiling(windowTicks / _ticksPerCall);
        while (count > 0 && IntendedOffset(count - 1) >= windowTicks)
        {
            count--;
        }

        while (IntendedOffset(count) < windowTicks)
        {
            count++;
        }

        return count;
    }
}
