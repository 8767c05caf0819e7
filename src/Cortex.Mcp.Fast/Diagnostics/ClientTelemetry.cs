using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Cortex.Mcp.Fast.Dispatch;
using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>
/// One client's telemetry: the instruments of its meter (from <see cref="NetworkMcpClientOptions.MeterFactory"/>
/// when set, otherwise the static meter <see cref="McpTelemetry.Name"/>) and the registration that lets the
/// observable instruments see the client's services. <see cref="Dispose"/> ends that registration.
/// </summary>
internal sealed class ClientTelemetry : IDisposable
{
    private readonly ConcurrentDictionary<string, ServiceDispatcher> _services;
    private readonly TimeProvider _timeProvider;
    private int _disposed;

    public ClientTelemetry(IMeterFactory? meterFactory, TimeProvider timeProvider, ConcurrentDictionary<string, ServiceDispatcher> services)
    {
        _services = services;
        _timeProvider = timeProvider;
        var meter = meterFactory?.Create(new MeterOptions(McpTelemetry.Name)) ?? McpTelemetry.Meter;
        Instruments = MeterInstruments.For(meter);
        Instruments.Register(this);
    }

    public MeterInstruments Instruments { get; }

    /// <summary>The client's live services (a snapshot, read by the observable instruments' callbacks).</summary>
    public IEnumerable<ServiceDispatcher> Services => _services.Values;

    /// <summary>The telemetry of a service that starts now.</summary>
    public ServiceTelemetry ForService(string service) => new(Instruments, service, _timeProvider);

    /// <summary>The breaker's <c>onTransition</c> hook for <paramref name="service"/>: counts and logs every state change.</summary>
    public Action<CircuitState, CircuitState> BreakerTransitionRecorder(ILogger logger, string service) =>
        McpTelemetry.TransitionRecorder(Instruments, logger, service);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Instruments.Unregister(this);
        }
    }
}
