using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>Call statistics of one tool of one service.</summary>
/// <param name="Tool">The tool name.</param>
/// <param name="Calls">Calls accepted.</param>
/// <param name="Successes">Calls that returned a result.</param>
/// <param name="Failures">Calls that ended with an error (including timeouts and cancellations).</param>
/// <param name="TotalDuration">Sum of the durations of completed calls.</param>
/// <param name="MinDuration">Shortest completed call.</param>
/// <param name="MaxDuration">Longest completed call.</param>
/// <param name="MeanDuration">Mean duration of completed calls.</param>
public sealed record ToolCallStatistics(
    string Tool,
    long Calls,
    long Successes,
    long Failures,
    TimeSpan TotalDuration,
    TimeSpan MinDuration,
    TimeSpan MaxDuration,
    TimeSpan MeanDuration);

/// <summary>A snapshot of one service: endpoint, queue, connection pool, circuit breaker and per-tool statistics.</summary>
/// <param name="Service">The logical service name.</param>
/// <param name="Endpoint">The endpoint calls currently go to.</param>
/// <param name="QueueDepth">Calls waiting in the queue.</param>
/// <param name="OpenConnections">Connections open to the current endpoint.</param>
/// <param name="OpenStreams">Resource streams open.</param>
/// <param name="CircuitState">The breaker's state.</param>
/// <param name="ConsecutiveFailures">The breaker's failure count.</param>
/// <param name="Retries">Retries scheduled.</param>
/// <param name="QueueRejections">Calls refused because the queue was full.</param>
/// <param name="InvalidStreamItems">Stream items skipped because they were not valid JSON.</param>
/// <param name="Tools">Per-tool statistics, by tool name.</param>
public sealed record ServiceDiagnostics(
    string Service,
    Uri Endpoint,
    int QueueDepth,
    int OpenConnections,
    int OpenStreams,
    CircuitState CircuitState,
    int ConsecutiveFailures,
    long Retries,
    long QueueRejections,
    long InvalidStreamItems,
    IReadOnlyDictionary<string, ToolCallStatistics> Tools);

/// <summary>A snapshot of every connected service, by service name.</summary>
/// <param name="Services">The services.</param>
public sealed record ClientDiagnostics(IReadOnlyDictionary<string, ServiceDiagnostics> Services);
