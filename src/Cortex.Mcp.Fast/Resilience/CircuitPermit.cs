namespace Cortex.Mcp.Fast.Resilience;

/// <summary>
/// What <see cref="CircuitBreaker.TryAcquire"/> handed out for one call; pass it back with the call's outcome.
/// </summary>
/// <remarks>
/// The permit remembers the period of the breaker it was issued in (a closed period, or one probe), so the breaker
/// can tell the outcome of a call that started before the circuit opened, or of a probe that was superseded, from
/// the outcome it is waiting for. Such stale outcomes are counted but never change the state. A permit is a plain
/// value: copying it is free, and reporting the same permit twice is harmless for a closed-period permit but must
/// not be done for a probe. <c>default(CircuitPermit)</c> matches no period, so reporting it changes nothing.
/// </remarks>
internal readonly struct CircuitPermit : IEquatable<CircuitPermit>
{
    /// <summary>Creates a permit for the given packed token (see <see cref="CircuitWord"/>).</summary>
    internal CircuitPermit(long token) => Token = token;

    /// <summary>True when this call is the single half-open probe whose outcome closes or re-opens the circuit.</summary>
    public bool IsProbe => CircuitWord.StateBits(Token) == CircuitWord.HalfOpenBits;

    /// <summary>The breaker word this permit was issued under, with the failure count cleared.</summary>
    internal long Token { get; }

    /// <summary>Whether two permits were issued for the same period (or are the same probe).</summary>
    public static bool operator ==(CircuitPermit left, CircuitPermit right) => left.Equals(right);

    /// <summary>Whether two permits were issued for different periods.</summary>
    public static bool operator !=(CircuitPermit left, CircuitPermit right) => !left.Equals(right);

    /// <inheritdoc />
    public bool Equals(CircuitPermit other) => Token == other.Token;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CircuitPermit other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => Token.GetHashCode();
}
