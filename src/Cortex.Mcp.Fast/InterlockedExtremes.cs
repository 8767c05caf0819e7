using System.Runtime.CompilerServices;

namespace Cortex.Mcp.Fast;

/// <summary>Lock-free running maximum and minimum of a shared <see cref="long"/>.</summary>
/// <remarks>Each is a compare-and-swap loop that only ever moves the value in one direction, so concurrent callers
/// end with the extreme of all their values whatever the interleaving; a caller whose value is already passed
/// writes nothing.</remarks>
internal static class InterlockedExtremes
{
    /// <summary>Raises <paramref name="location"/> to at least <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Max(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>Lowers <paramref name="location"/> to at most <paramref name="value"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Min(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
