using System.Diagnostics;

namespace Cortex.Mcp.Fast.Resilience;

/// <summary>
/// Two lock-free counters summed over a rolling time window of <see cref="BucketCount"/> buckets: the breaker's
/// health metrics (successes, failures) and the retry budget's ledger (requests, retries).
/// </summary>
/// <remarks>
/// <para>
/// The window is a ring of buckets, each <c>window / 10</c> wide (Polly v8 uses the same 10-bucket split in
/// <c>RollingHealthMetrics</c>). A reading covers the current bucket and the nine before it, so an event stays
/// counted for between 0.9 and 1.0 window lengths.
/// </para>
/// <para>
/// Concurrency contract: every method may be called from any thread at any time; nothing blocks. Counters move
/// only by <see cref="Interlocked"/> operations. <b>Tolerated race</b> (as in StackExchange.Redis
/// <c>Availability/CircuitBreaker.cs</c>): when a bucket is reused for a new epoch, the thread that wins the epoch
/// compare-and-swap zeroes the counters a moment later, so an increment made by another thread in that gap is lost,
/// and a thread that read the clock just before a rollover may add to the newer bucket. Both shift a handful of
/// events by at most one bucket at the start of a bucket; the ratio and budget decisions tolerate that. A sum is
/// not a snapshot: buckets are read one after another while others write.
/// </para>
/// </remarks>
internal sealed class RollingCounters
{
    /// <summary>Number of buckets in the window.</summary>
    public const int BucketCount = 10;

    /// <summary>Epoch value meaning "never used / reset": below every real epoch, so the next add rolls it.</summary>
    private const long NoEpoch = long.MinValue;

    /// <summary>The ring; a bucket's slot is <c>epoch % BucketCount</c>.</summary>
    private readonly Bucket[] _buckets = new Bucket[BucketCount];

    /// <summary>Width of one bucket in timestamp units (at least 1).</summary>
    private readonly long _bucketWidth;

    /// <summary>Creates a window <paramref name="windowTimestamps"/> timestamp units long.</summary>
    public RollingCounters(long windowTimestamps)
    {
        _bucketWidth = Math.Max(1, windowTimestamps / BucketCount);
        for (int i = 0; i < _buckets.Length; i++)
        {
            _buckets[i].Epoch = NoEpoch;
        }
    }

    /// <summary>Adds to the bucket covering <paramref name="now"/> (clock units, non-negative).</summary>
    public void Add(long now, long first, long second)
    {
        Debug.Assert(now >= 0, "Clock readings are relative to the origin and never negative.");
        long epoch = now / _bucketWidth;
        ref Bucket bucket = ref _buckets[(int)(epoch % BucketCount)];
        long seen = Volatile.Read(ref bucket.Epoch);
        if (seen < epoch)
        {
            Roll(ref bucket, seen, epoch);
        }

        if (first != 0)
        {
            Interlocked.Add(ref bucket.First, first);
        }

        if (second != 0)
        {
            Interlocked.Add(ref bucket.Second, second);
        }
    }

    /// <summary>Sums both counters over the buckets that are inside the window at <paramref name="now"/>.</summary>
    public void Sum(long now, out long first, out long second)
    {
        long epoch = now / _bucketWidth;
        first = 0;
        second = 0;
        for (int i = 0; i < _buckets.Length; i++)
        {
            ref Bucket bucket = ref _buckets[i];
            long bucketEpoch = Volatile.Read(ref bucket.Epoch);
            if (bucketEpoch > epoch - BucketCount && bucketEpoch <= epoch)
            {
                first += Volatile.Read(ref bucket.First);
                second += Volatile.Read(ref bucket.Second);
            }
        }
    }

    /// <summary>Forgets everything: every bucket is marked unused and is zeroed again by its next add.</summary>
    public void Reset()
    {
        for (int i = 0; i < _buckets.Length; i++)
        {
            Interlocked.Exchange(ref _buckets[i].Epoch, NoEpoch);
        }
    }

    /// <summary>Moves a bucket forward to <paramref name="epoch"/>; only the compare-and-swap winner zeroes it.</summary>
    private static void Roll(ref Bucket bucket, long seen, long epoch)
    {
        while (seen < epoch)
        {
            long prior = Interlocked.CompareExchange(ref bucket.Epoch, epoch, seen);
            if (prior == seen)
            {
                // Tolerated race (see remarks): adds that land between the CAS above and these writes are lost.
                Interlocked.Exchange(ref bucket.First, 0);
                Interlocked.Exchange(ref bucket.Second, 0);
                return;
            }

            seen = prior; // Someone else rolled it (to this epoch or, if we are late, a newer one): add there.
        }
    }

    /// <summary>One time slice of the window.</summary>
    private struct Bucket
    {
        /// <summary>Which slice of time (clock / width) the counters belong to.</summary>
        public long Epoch;

        /// <summary>First counter (successes, or requests).</summary>
        public long First;

        /// <summary>Second counter (failures, or retries).</summary>
        public long Second;
    }
}
