namespace Cortex.Mcp.Fast.Resilience;

/// <summary>The state of a <see cref="CircuitBreaker"/>.</summary>
public enum CircuitState
{
    /// <summary>Calls flow; failures are being counted.</summary>
    Closed = 0,

    /// <summary>Calls are rejected until the break period ends.</summary>
    Open = 1,

    /// <summary>The break period ended: one probe call decides between <see cref="Closed"/> and <see cref="Open"/>.</summary>
    HalfOpen = 2,
}
