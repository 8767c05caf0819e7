namespace Cortex.Mcp.Fast.Tests.Resilience;

/// <summary>
/// A timestamp-only clock for concurrency tests: reads are a plain volatile load, so racing threads are not
/// serialised by a lock inside the clock (FakeTimeProvider takes one on every read).
/// </summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _timestamp = 1_000_000;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Volatile.Read(ref _timestamp);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _timestamp, by.Ticks);
}
