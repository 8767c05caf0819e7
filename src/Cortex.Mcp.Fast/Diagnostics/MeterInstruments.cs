using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Dispatch;
using S = Cortex.Mcp.Fast.Diagnostics.McpSemanticConventions;

namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>
/// The instruments of one <see cref="Meter"/>, created once per meter (the static one, or each one an
/// <see cref="IMeterFactory"/> hands out) and shared by every client using it. The observable instruments read the
/// diagnostics snapshot of every live service of every client registered here, at collection time only.
/// </summary>
/// <remarks>Thread-safe: the registered clients are an immutable array replaced under a lock; callbacks read it
/// without the lock.</remarks>
internal sealed class MeterInstruments
{
    private static readonly ConditionalWeakTable<Meter, MeterInstruments> s_byMeter = [];
    private static readonly string[] s_breakerStates = ["closed", "half_open", "open"];
    private readonly object _gate = new();
    private ClientTelemetry[] _clients = [];

    private MeterInstruments(Meter meter)
    {
        OperationDuration = meter.CreateHistogram(
            S.ClientOperationDuration,
            unit: "s",
            description: "Duration of MCP requests as observed by the client, from the call until its result or error; a tool call's queue wait, attempts and backoffs included.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = S.OperationBuckets });
        SessionDuration = meter.CreateHistogram(
            S.ClientSessionDuration,
            unit: "s",
            description: "Lifetime of a service's connection in this client, from its start until the client is disposed.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = S.SessionBuckets });
        QueueWait = meter.CreateHistogram(
            S.QueueWait,
            unit: "s",
            description: "Time a tool call waited in its service's queue before its first attempt.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = S.OperationBuckets });
        BreakerTransitions = meter.CreateCounter<long>(S.BreakerTransitions, unit: "{transition}", description: "Circuit breaker state changes, tagged with the state entered.");
        meter.CreateObservableUpDownCounter(S.QueueDepth, () => Observe(static (_, d) => d.QueueDepth), unit: "{call}", description: "Live tool calls in the service's queue, not yet taken by a worker.");
        meter.CreateObservableUpDownCounter(S.ActiveCalls, () => Observe(static (_, d) => ActiveCalls(d)), unit: "{call}", description: "Tool calls accepted and not yet completed (queued, running or backing off).");
        meter.CreateObservableCounter(S.Retries, () => Observe(static (_, d) => d.Retries), unit: "{retry}", description: "Retries scheduled after a retryable failure.");
        meter.CreateObservableCounter(S.QueueRejections, () => Observe(static (_, d) => d.QueueRejections), unit: "{call}", description: "Tool calls refused because the queue was full.");
        meter.CreateObservableUpDownCounter(S.BreakerState, ObserveBreakerStates, unit: "{state}", description: "1 for the circuit breaker's current state (attribute cortex.mcp.breaker.state), 0 for the others.");
    }

    public Histogram<double> OperationDuration { get; }

    public Histogram<double> SessionDuration { get; }

    public Histogram<double> QueueWait { get; }

    public Counter<long> BreakerTransitions { get; }

    /// <summary>The instruments of <paramref name="meter"/>, created on first use.</summary>
    public static MeterInstruments For(Meter meter) => s_byMeter.GetValue(meter, static m => new MeterInstruments(m));

    public void Register(ClientTelemetry client)
    {
        lock (_gate)
        {
            _clients = [.. _clients, client];
        }
    }

    public void Unregister(ClientTelemetry client)
    {
        lock (_gate)
        {
            _clients = Array.FindAll(_clients, c => !ReferenceEquals(c, client));
        }
    }

    private static long ActiveCalls(ServiceDiagnostics diagnostics)
    {
        long active = 0;
        foreach (var tool in diagnostics.Tools.Values)
        {
            active += Math.Max(0, tool.Calls - tool.Successes - tool.Failures);
        }

        return active;
    }

    private List<Measurement<long>> Observe(Func<ServiceDispatcher, ServiceDiagnostics, long> read)
    {
        var measurements = new List<Measurement<long>>();
        foreach (var client in Volatile.Read(ref _clients))
        {
            foreach (var dispatcher in client.Services)
            {
                var diagnostics = dispatcher.GetDiagnostics();
                measurements.Add(new Measurement<long>(read(dispatcher, diagnostics), dispatcher.Telemetry.ObservationTags(diagnostics.Endpoint)));
            }
        }

        return measurements;
    }

    private List<Measurement<long>> ObserveBreakerStates()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var client in Volatile.Read(ref _clients))
        {
            foreach (var dispatcher in client.Services)
            {
                var current = McpTelemetry.BreakerStateName(dispatcher.BreakerState);
                var tags = dispatcher.Telemetry.ObservationTags(dispatcher.Endpoint.Address);
                foreach (var state in s_breakerStates)
                {
                    var stateTags = new KeyValuePair<string, object?>[tags.Length + 1];
                    tags.CopyTo(stateTags, 0);
                    stateTags[^1] = new(S.BreakerStateAttribute, state);
                    measurements.Add(new Measurement<long>(string.Equals(state, current, StringComparison.Ordinal) ? 1 : 0, stateTags));
                }
            }
        }

        return measurements;
    }
}
