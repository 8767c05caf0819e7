namespace Cortex.Mcp.Fast.Resilience;

/// <summary>
/// Packing of the breaker's whole state into one 64-bit word, so that every transition is a single
/// compare-and-swap and a permit can be checked against the word with one comparison.
/// </summary>
/// <remarks>
/// <code>
///  bits 0-1   state: 0 Closed, 1 Open, 2 HalfOpen (a probe is out), 3 Released (half-open, probe slot free)
///  Closed:    bits 2-32 consecutive failures (31 bits), bits 33-62 generation (30 bits, never 0)
///  otherwise: bits 2-63 "blocked until", in clock units since the breaker's origin (62 bits, non-negative)
/// </code>
/// A permit's token is the word it was issued under (count bits cleared for Closed). Tokens never repeat:
/// a Closed generation is a fresh counter value (wrapping after 2^30 closes), and each HalfOpen word's
/// "blocked until" is strictly greater than every earlier one (the breaker keeps a high-water mark). So a permit
/// matches the live word only while the period it was issued in lasts, and a stale outcome can be told apart.
/// </remarks>
internal static class CircuitWord
{
    /// <summary>Mask of the two state bits.</summary>
    public const long StateMask = 0b11;

    /// <summary>State bits of a closed circuit (zero, so a closed token is just its generation).</summary>
    public const long ClosedBits = 0;

    /// <summary>State bits of an open circuit.</summary>
    public const long OpenBits = 1;

    /// <summary>State bits of a half-open circuit whose single probe is out.</summary>
    public const long HalfOpenBits = 2;

    /// <summary>State bits of a half-open circuit whose probe was given back: the next caller becomes the probe.</summary>
    public const long ReleasedBits = 3;

    /// <summary>Largest consecutive-failure count a closed word holds; counting saturates there.</summary>
    public const int MaxCount = int.MaxValue;

    /// <summary>Largest "blocked until" value that fits (62 bits, kept non-negative).</summary>
    public const long MaxBlocked = (1L << 61) - 1;

    /// <summary>Generations use 30 bits; value 0 is reserved so that <c>default(CircuitPermit)</c> never matches.</summary>
    public const int GenerationMask = (1 << 30) - 1;

    /// <summary>Shift of the failure count in a closed word.</summary>
    private const int CountShift = 2;

    /// <summary>Shift of the generation in a closed word.</summary>
    private const int GenerationShift = 33;

    /// <summary>Mask of the failure count bits in place.</summary>
    private const long CountMask = (long)MaxCount << CountShift;

    /// <summary>A closed word of <paramref name="generation"/> with no failures; also the token of its permits.</summary>
    public static long Closed(int generation) => (long)generation << GenerationShift;

    /// <summary>An open word blocked until <paramref name="blockedUntil"/>.</summary>
    public static long Open(long blockedUntil) => Pack(blockedUntil, OpenBits);

    /// <summary>A half-open word whose probe holds the slot until <paramref name="blockedUntil"/>.</summary>
    public static long HalfOpen(long blockedUntil) => Pack(blockedUntil, HalfOpenBits);

    /// <summary>A half-open word whose probe slot is free; keeps the old "blocked until" for the record.</summary>
    public static long Released(long blockedUntil) => Pack(blockedUntil, ReleasedBits);

    /// <summary>True when the word is closed.</summary>
    public static bool IsClosed(long word) => (word & StateMask) == ClosedBits;

    /// <summary>The state bits of a word.</summary>
    public static long StateBits(long word) => word & StateMask;

    /// <summary>The public state of a word (Released reads as HalfOpen).</summary>
    public static CircuitState ToState(long word) => (word & StateMask) switch
    {
        ClosedBits => CircuitState.Closed,
        OpenBits => CircuitState.Open,
        _ => CircuitState.HalfOpen,
    };

    /// <summary>The consecutive-failure count of a closed word.</summary>
    public static int Count(long word) => (int)((word & CountMask) >>> CountShift);

    /// <summary>The closed word with its count replaced.</summary>
    public static long WithCount(long word, int count) => (word & ~CountMask) | ((long)count << CountShift);

    /// <summary>The token of a word: the word itself with the failure count cleared.</summary>
    public static long Token(long word) => word & ~CountMask;

    /// <summary>The generation of a closed word.</summary>
    public static int Generation(long word) => (int)(word >>> GenerationShift);

    /// <summary>The "blocked until" of an open, half-open or released word.</summary>
    public static long BlockedUntil(long word) => word >>> CountShift;

    /// <summary>Packs a time and state bits, saturating the time at <see cref="MaxBlocked"/>.</summary>
    private static long Pack(long blockedUntil, long stateBits)
    {
        long clamped = blockedUntil < 0 ? 0 : Math.Min(blockedUntil, MaxBlocked);
        return (clamped << CountShift) | stateBits;
    }
}
