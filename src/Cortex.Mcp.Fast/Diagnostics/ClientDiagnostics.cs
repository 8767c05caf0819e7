namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>Call statistics of one tool of one service, as of <see cref="NetworkMcpClient.GetDiagnostics"/>.</summary>
/// <remarks>Counters are read without a lock while calls complete, so they may come from slightly different
/// instants (for example <see cref="Calls"/> already counts a call whose duration is not yet added).</remarks>
public sealed class ToolCallStatistics
{
    /// <summary>Creates a snapshot; the counters are set with initialisers.</summary>
    /// <param name="tool">The tool name.</param>
    internal ToolCallStatistics(string tool) => Tool = tool;

    /// <summary>Gets the tool name.</summary>
    public string Tool { get; }

    /// <summary>Gets the number of calls accepted.</summary>
    public long Calls { get; internal init; }

    /// <summary>Gets the number of calls that returned a result.</summary>
    public long Successes { get; internal init; }

    /// <summary>Gets the number of calls that ended with an error (including timeouts and cancellations).</summary>
    public long Failures { get; internal init; }

    /// <summary>Gets the sum of the durations of completed calls.</summary>
    public TimeSpan TotalDuration { get; internal init; }

    /// <summary>Gets the duration of the shortest completed call (zero before the first completes).</summary>
    public TimeSpan MinDuration { get; internal init; }

    /// <summary>Gets the duration of the longest completed call.</summary>
    public TimeSpan MaxDuration { get; internal init; }

    /// <summary>Gets the mean duration of completed calls (zero before the first completes).</summary>
    public TimeSpan MeanDuration { get; internal init; }
}

/// <summary>
/// A snapshot of one service, as of <see cref="NetworkMcpClient.GetDiagnostics"/>: endpoint, queue, connection
/// pool, circuit breaker and per-tool statistics.
/// </summary>
public sealed class ServiceDiagnostics
{
    /// <summary>Creates a snapshot; the counters are set with initialisers.</summary>
    /// <param name="service">The logical service name.</param>
    /// <param name="endpoint">The endpoint calls currently go to.</param>
    /// <param name="tools">Per-tool statistics, by tool name.</param>
    internal ServiceDiagnostics(string service, Uri endpoint, IReadOnlyDictionary<string, ToolCallStatistics> tools)
    {
        Service = service;
        Endpoint = endpoint;
        Tools = tools;
    }

    /// <summary>Gets the logical service name.</summary>
    public string Service { get; }

    /// <summary>Gets the endpoint calls currently go to.</summary>
    public Uri Endpoint { get; }

    /// <summary>Gets the number of live calls in the service's queue: calls accepted and not yet taken by a worker
    /// (a call waiting to retry or resume counts again once it is re-queued). Calls that already ended (deadline,
    /// cancellation) never count, even while their entries still sit in the queue, nor do callers still waiting
    /// for room in a full queue.</summary>
    public int QueueDepth { get; internal init; }

    /// <summary>Gets the number of connections open to the current endpoint.</summary>
    public int OpenConnections { get; internal init; }

    /// <summary>Gets the number of resource streams open.</summary>
    public int OpenStreams { get; internal init; }

    /// <summary>Gets the state of the service's circuit breaker.</summary>
    public CircuitState CircuitState { get; internal init; }

    /// <summary>Gets the circuit breaker's failure count: failures since the last success while closed; the failures
    /// that opened it, plus any since, while open or half-open.</summary>
    public int ConsecutiveFailures { get; internal init; }

    /// <summary>Gets the number of retries scheduled.</summary>
    public long Retries { get; internal init; }

    /// <summary>Gets the number of calls refused because the queue was full.</summary>
    public long QueueRejections { get; internal init; }

    /// <summary>Gets the number of resource stream items skipped because they were not valid JSON.</summary>
    public long InvalidStreamItems { get; internal init; }

    /// <summary>Gets per-tool statistics, by tool name.</summary>
    public IReadOnlyDictionary<string, ToolCallStatistics> Tools { get; }
}

/// <summary>A snapshot of every connected service, returned by <see cref="NetworkMcpClient.GetDiagnostics"/>.</summary>
public sealed class ClientDiagnostics
{
    /// <summary>Creates a snapshot.</summary>
    /// <param name="services">The services, by service name.</param>
    internal ClientDiagnostics(IReadOnlyDictionary<string, ServiceDiagnostics> services) => Services = services;

    /// <summary>Gets the services, by service name.</summary>
    public IReadOnlyDictionary<string, ServiceDiagnostics> Services { get; }
}
