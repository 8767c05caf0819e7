using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>
/// The library's one <see cref="Meter"/> and one <see cref="ActivitySource"/>, both named <see cref="Name"/>
/// (<c>Cortex.Mcp.Fast</c>): subscribe to that name to collect the client's metrics and traces. Instruments cost
/// nothing measurable when no listener is attached.
/// </summary>
/// <remarks>
/// Instruments (every one tagged <c>mcp.service</c>): <c>mcp.client.call.duration</c> (s, also tagged
/// <c>mcp.tool</c>), <c>mcp.client.queue.wait</c> (s), <c>mcp.client.retries</c>,
/// <c>mcp.client.breaker.transitions</c> (also tagged <c>mcp.breaker.state</c>: <c>closed</c>, <c>open</c> or
/// <c>half_open</c>, the state entered), <c>mcp.client.queue.rejections</c> and <c>mcp.client.stream.reconnects</c>.
/// </remarks>
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

    /// <summary>
    /// Starts a tool call's client activity without making it the caller's current activity (the caller continues at
    /// once; the worker makes it current around each attempt so the HTTP handler propagates its trace context).
    /// </summary>
    /// <returns>The activity, or <see langword="null"/> when nobody samples it.</returns>
    internal static Activity? StartCallActivity(string service, string tool)
    {
        var previous = Activity.Current;
        var activity = ActivitySource.StartActivity("mcp.call " + tool, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("mcp.service", service);
            activity.SetTag("mcp.tool", tool);
            Activity.Current = previous;
        }

        return activity;
    }

    /// <summary>
    /// A hook for <see cref="Resilience.CircuitBreaker"/>'s <c>onTransition</c> that records every state change of
    /// <paramref name="service"/>'s breaker with <see cref="RecordBreakerTransition"/>.
    /// </summary>
    /// <param name="logger">Where the transition is logged.</param>
    /// <param name="service">The service the breaker guards (the <c>mcp.service</c> tag).</param>
    /// <returns>One delegate per breaker, allocated once; invoked only on transitions, never on the hot path.</returns>
    internal static Action<CircuitState, CircuitState> BreakerTransitionRecorder(ILogger logger, string service)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(service);
        return (from, to) => RecordBreakerTransition(logger, service, from, to);
    }

    /// <summary>Records one breaker state change: adds 1 to <see cref="BreakerTransitions"/> (tagged with the service
    /// and the state entered) and writes <see cref="Log.BreakerTransition"/>.</summary>
    /// <param name="logger">Where the transition is logged.</param>
    /// <param name="service">The service whose breaker changed state.</param>
    /// <param name="from">The state left.</param>
    /// <param name="to">The state entered.</param>
    internal static void RecordBreakerTransition(ILogger logger, string service, CircuitState from, CircuitState to)
    {
        BreakerTransitions.Add(1, ServiceTag(service), BreakerStateTag(to));
        Log.BreakerTransition(logger, service, from, to);
    }

    /// <summary>The <c>mcp.breaker.state</c> tag: the state's name in snake case, without boxing the enum.</summary>
    internal static KeyValuePair<string, object?> BreakerStateTag(CircuitState state) => new(
        "mcp.breaker.state",
        state switch
        {
            CircuitState.Closed => "closed",
            CircuitState.Open => "open",
            CircuitState.HalfOpen => "half_open",
            _ => "unknown",
        });
}
