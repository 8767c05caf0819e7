namespace Cortex.Mcp.Fast;

/// <summary>The state of a service's circuit breaker (see <see cref="CircuitBreakerOptions"/>).</summary>
public enum CircuitState
{
    /// <summary>Calls flow; failures are being counted.</summary>
    Closed = 0,

    /// <summary>Calls are rejected until the break period ends.</summary>
    Open = 1,

    /// <summary>The break period ended: one probe call decides between <see cref="Closed"/> and <see cref="Open"/>.</summary>
    HalfOpen = 2,
}
