using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>
/// The library's one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named <c>Cortex.Mcp.Fast</c>
/// (DESIGN §8). Instruments cost nothing measurable when no listener is attached.
/// </summary>
public static class McpTelemetry
{
    /// <summary>The name of the meter and the activity source.</summary>
    public const string Name = "Cortex.Mcp.Fast";

    internal static readonly ActivitySource ActivitySource = new(Name);
    internal static readonly Meter Meter = new(Name);

    internal static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>(
        "mcp.client.call.duration", unit: "s", description: "Duration of tool calls, queue wait, attempts and backoffs included.");

    internal static readonly Histogram<double> QueueWait = Meter.CreateHistogram<double>(
        "mcp.client.queue.wait", unit: "s", description: "Time a call waited in its service's queue before its first attempt.");

    internal static readonly Counter<long> Retries = Meter.CreateCounter<long>(
        "mcp.client.retries", description: "Retries scheduled after a retryable failure.");

    internal static readonly Counter<long> BreakerTransitions = Meter.CreateCounter<long>(
        "mcp.client.breaker.transitions", description: "Circuit breaker state changes.");

    internal static readonly Counter<long> QueueRejections = Meter.CreateCounter<long>(
        "mcp.client.queue.rejections", description: "Calls refused because the queue was full.");

    internal static readonly Counter<long> Reconnects = Meter.CreateCounter<long>(
        "mcp.client.stream.reconnects", description: "Stream reconnections and session re-initialisations.");

    internal static KeyValuePair<string, object?> ServiceTag(string service) => new("mcp.service", service);

    internal static KeyValuePair<string, object?> ToolTag(string tool) => new("mcp.tool", tool);
}
