using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using S = Cortex.Mcp.Fast.Diagnostics.McpSemanticConventions;

namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>
/// The library's <see cref="ActivitySource"/> and default <see cref="Meter"/>, both named <see cref="Name"/>
/// (<c>Cortex.Mcp.Fast</c>): subscribe to that name (<c>AddSource</c>, <c>AddMeter</c>) to collect the client's
/// traces and metrics. With <see cref="NetworkMcpClientOptions.MeterFactory"/> set, the client's meter comes from
/// that factory instead, under the same name. Instruments cost nothing measurable when no listener is attached.
/// </summary>
/// <remarks>
/// <para>Following the OpenTelemetry MCP semantic conventions: <c>mcp.client.operation.duration</c> (s, every
/// operation; attributes <c>mcp.method.name</c>, <c>gen_ai.tool.name</c>, <c>gen_ai.prompt.name</c>,
/// <c>error.type</c>, <c>server.address</c>, <c>server.port</c>, <c>network.protocol.name</c>,
/// <c>network.transport</c>, <c>cortex.mcp.service</c>) and <c>mcp.client.session.duration</c> (s). One Client span
/// per operation, named <c>{mcp.method.name} {target}</c>.</para>
/// <para>The library's own, tagged <c>cortex.mcp.service</c> (and <c>server.address</c>/<c>server.port</c> for the
/// observable ones): <c>cortex.mcp.client.queue.wait</c> (s), <c>cortex.mcp.client.queue.depth</c>,
/// <c>cortex.mcp.client.active_calls</c>, <c>cortex.mcp.client.retries</c>,
/// <c>cortex.mcp.client.queue.rejections</c>, <c>cortex.mcp.client.breaker.state</c> and
/// <c>cortex.mcp.client.breaker.transitions</c> (attribute <c>cortex.mcp.breaker.state</c>: <c>closed</c>,
/// <c>open</c> or <c>half_open</c>), and <c>cortex.mcp.client.stream.reconnects</c> (always on the static meter).</para>
/// </remarks>
public static class McpTelemetry
{
    /// <summary>The name of the meter and the activity source.</summary>
    public const string Name = "Cortex.Mcp.Fast";

    internal static readonly ActivitySource ActivitySource = new(Name);
    internal static readonly Meter Meter = new(Name);

    /// <summary>Stream reconnections and session re-initialisations; recorded by the transports, on the static meter.</summary>
    internal static readonly Counter<long> Reconnects = Meter.CreateCounter<long>(
        S.StreamReconnects, unit: "{reconnect}", description: "Stream reconnections and session re-initialisations.");

    internal static KeyValuePair<string, object?> ServiceTag(string service) => new(S.Service, service);

    /// <summary>
    /// Tags the operation's span with the MCP session it runs on: <c>mcp.session.id</c> (when the server gave one)
    /// and <c>mcp.protocol.version</c>. The worker (tool calls) and <see cref="ServiceTelemetry.StartOperation"/>
    /// (other operations) make the span current around each attempt, so the transport finds it in
    /// <see cref="Activity.Current"/> once it knows the session; an activity of another source (the caller's own, or
    /// none because nobody listens) is left alone.
    /// </summary>
    /// <remarks>Without a listener: one <see cref="Activity.Current"/> read (an async-local), no allocation. Called per attempt, so a renewed session
    /// overwrites the tags of the lost one.</remarks>
    internal static void TagSession(string? sessionId, string protocolVersion)
    {
        var activity = Activity.Current;
        if (activity is null || !ReferenceEquals(activity.Source, ActivitySource) || !activity.IsAllDataRequested)
        {
            return;
        }

        if (sessionId is not null)
        {
            activity.SetTag(S.SessionId, sessionId);
        }

        activity.SetTag(S.ProtocolVersion, protocolVersion);
    }

    /// <summary>
    /// A hook for <see cref="Resilience.CircuitBreaker"/>'s <c>onTransition</c> that records every state change of
    /// <paramref name="service"/>'s breaker on the static meter (<see cref="RecordBreakerTransition"/>).
    /// </summary>
    internal static Action<CircuitState, CircuitState> BreakerTransitionRecorder(ILogger logger, string service) =>
        TransitionRecorder(MeterInstruments.For(Meter), logger, service);

    /// <summary>The hook of <paramref name="instruments"/>' meter.</summary>
    /// <returns>One delegate per breaker, allocated once; invoked only on transitions, never on the hot path.</returns>
    internal static Action<CircuitState, CircuitState> TransitionRecorder(MeterInstruments instruments, ILogger logger, string service)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(service);
        return (from, to) => RecordBreakerTransition(instruments, logger, service, from, to);
    }

    /// <summary>Records one breaker state change: adds 1 to the transitions counter (tagged with the service and
    /// the state entered) and writes <see cref="Log.BreakerTransition"/>.</summary>
    internal static void RecordBreakerTransition(MeterInstruments instruments, ILogger logger, string service, CircuitState from, CircuitState to)
    {
        instruments.BreakerTransitions.Add(1, ServiceTag(service), new KeyValuePair<string, object?>(S.BreakerStateAttribute, BreakerStateName(to)));
        Log.BreakerTransition(logger, service, from, to);
    }

    /// <summary>The state's name in snake case, without boxing the enum.</summary>
    internal static string BreakerStateName(CircuitState state) => state switch
    {
        CircuitState.Closed => "closed",
        CircuitState.Open => "open",
        CircuitState.HalfOpen => "half_open",
        _ => "unknown",
    };
}
