namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>
/// An arrival schedule: a constant rate, optionally preceded by a linear ramp from 0 to that rate. Without a ramp,
/// call <c>i</c> is due at <c>start + i / rate</c>. Offsets are computed from the index each time (never by adding
/// a period), so rounding never accumulates into drift.
/// </summary>
/// <remarks>
/// <para>Ramp: the rate grows linearly from 0 at the start to <see cref="RatePerSecond"/> at the end of the ramp
/// (length T), so the calls due by time t ≤ T number <c>rate·t²/(2T)</c>; call <c>i</c> is due at
/// <c>√(2·T·i / rate)</c> while that is inside the ramp, and <c>T + (i − rate·T/2) / rate</c> after it.</para>
/// <para>Pure: no clock, no state. Offsets are in the ticks of the clock whose frequency is given.</para>
/// </remarks>
public readonly struct LoadSchedule
{
    private readonly double _ticksPerCall;
    private readonly long _rampTicks;

    /// <summary>Calls due inside the ramp (fractional): <c>T / (2 · ticksPerCall)</c>.</summary>
    private readonly double _rampCalls;

    /// <param name="ratePerSecond">Calls per second; must be positive and finite.</param>
    /// <param name="frequency">Ticks per second of the clock (e.g. <see cref="System.Diagnostics.Stopwatch.Frequency"/>).</param>
    /// <param name="rampTicks">Length of the linear ramp from 0 to the rate, in ticks (0: none).</param>
    public LoadSchedule(double ratePerSecond, long frequency, long rampTicks = 0)
    {
        if (!double.IsFinite(ratePerSecond) || ratePerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "The rate must be a positive number.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frequency);
        ArgumentOutOfRangeException.ThrowIfNegative(rampTicks);
        RatePerSecond = ratePerSecond;
        Frequency = frequency;
        _ticksPerCall = frequency / ratePerSecond;
        _rampTicks = rampTicks;
        _rampCalls = rampTicks / (2 * _ticksPerCall);
    }

    /// <summary>Calls per second (after the ramp).</summary>
    public double RatePerSecond { get; }

    /// <summary>Clock ticks per second.</summary>
    public long Frequency { get; }

    /// <summary>The length of the ramp, in ticks (0: none).</summary>
    public long RampTicks => _rampTicks;

    /// <summary>The intended send time of call <paramref name="index"/>, in ticks after the start.</summary>
    public long IntendedOffset(long index)
    {
        if (_rampTicks == 0)
        {
            return (long)Math.Round(index * _ticksPerCall);
        }

        return index < _rampCalls
            ? (long)Math.Round(Math.Sqrt(2.0 * _rampTicks * _ticksPerCall * index))
            : (long)Math.Round(_rampTicks + ((index - _rampCalls) * _ticksPerCall));
    }

    /// <summary>The number of calls whose intended send time falls in <c>[0, windowTicks)</c>.</summary>
    public long CountWithin(long windowTicks)
    {
        if (windowTicks <= 0)
        {
            return 0;
        }

        // Estimate from the inverse of IntendedOffset, then settle on the exact boundary with its rounding.
        var estimate = _rampTicks == 0 || windowTicks > _rampTicks
            ? _rampCalls + ((windowTicks - _rampTicks) / _ticksPerCall)
            : (double)windowTicks * windowTicks / (2.0 * _rampTicks * _ticksPerCall);
        var count = Math.Max(0, (long)Math.Ceiling(estimate));
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
