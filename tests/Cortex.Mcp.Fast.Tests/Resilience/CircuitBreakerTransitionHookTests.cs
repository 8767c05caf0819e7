using System.Diagnostics.Metrics;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Resilience;

/// <summary>
/// The breaker's <c>onTransition</c> hook (called once per state change by the CAS winner, never on the closed path)
/// and the telemetry recorder built on it (counter with service and state tags, plus a log event).
/// </summary>
public sealed class CircuitBreakerTransitionHookTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);
    private readonly FakeTimeProvider _time = new();
    private readonly List<(CircuitState From, CircuitState To)> _changes = [];

    [Fact]
    public void Hook_FullCycle_ReportsEveryChangeOnceInOrder()
    {
        var breaker = Create(threshold: 2);

        Fail(breaker, 2);                                       // Closed → Open
        _time.Advance(Break);
        var probe = Acquire(breaker);                           // Open → HalfOpen
        breaker.RecordFailure(probe);                           // HalfOpen → Open
        _time.Advance(Break);
        breaker.RecordSuccess(Acquire(breaker));                // Open → HalfOpen → Closed

        Assert.Equal(
            [
                (CircuitState.Closed, CircuitState.Open),
                (CircuitState.Open, CircuitState.HalfOpen),
                (CircuitState.HalfOpen, CircuitState.Open),
                (CircuitState.Open, CircuitState.HalfOpen),
                (CircuitState.HalfOpen, CircuitState.Closed),
            ],
            _changes);
        Assert.Equal(_changes.Count, breaker.Transitions);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Hook_ClosedPathOutcomes_NeverCalled()
    {
        var breaker = Create(threshold: 3);

        for (int i = 0; i < 100; i++)
        {
            Fail(breaker, 2);
            breaker.RecordIgnored(Acquire(breaker));
            breaker.RecordSuccess(Acquire(breaker));
        }

        Assert.Empty(_changes);
        Assert.Equal(0, breaker.Transitions);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Hook_RejectedCallsAndIgnoredProbe_NoExtraCalls()
    {
        var breaker = Create(threshold: 1);
        Fail(breaker, 1);
        Assert.False(breaker.TryAcquire(out _, out _));         // rejected while open: no change
        _time.Advance(Break);

        breaker.RecordIgnored(Acquire(breaker));                // the probe gives its slot back: still half-open
        var secondProbe = Acquire(breaker);                     // Released → HalfOpen is not a state change

        Assert.True(secondProbe.IsProbe);
        Assert.Equal(
            [(CircuitState.Closed, CircuitState.Open), (CircuitState.Open, CircuitState.HalfOpen)],
            _changes);
    }

    [Fact]
    public void Hook_DisabledBreaker_NeverCalled()
    {
        var breaker = new CircuitBreaker(CircuitBreakerOptions.Disabled, _time, (from, to) => _changes.Add((from, to)));

        Fail(breaker, 1000);

        Assert.Empty(_changes);
        Assert.Equal(CircuitState.Closed, breaker.State);
    }

    [Fact]
    public void Hook_Throws_ExceptionReachesCallerAfterTheChange()
    {
        var breaker = new CircuitBreaker(
            new CircuitBreakerOptions { FailureThreshold = 1, BreakDuration = Break },
            _time,
            (_, _) => throw new InvalidOperationException("hook"));
        var permit = Acquire(breaker);

        var ex = Assert.Throws<InvalidOperationException>(() => breaker.RecordFailure(permit));

        Assert.Equal("hook", ex.Message);
        Assert.Equal(CircuitState.Open, breaker.State);
        Assert.Equal(1, breaker.Transitions);
    }

    [Fact]
    public void Recorder_OnBreaker_AddsCounterTaggedWithServiceAndStateAndLogs()
    {
        string service = "svc-" + Guid.NewGuid().ToString("N");
        var measurements = new List<(long Value, string? State)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == McpTelemetry.Name && instrument.Name == "cortex.mcp.client.breaker.transitions")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? tagService = null;
            string? state = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "cortex.mcp.service")
                {
                    tagService = tag.Value as string;
                }
                else if (tag.Key == "cortex.mcp.breaker.state")
                {
                    state = tag.Value as string;
                }
            }

            if (tagService == service)
            {
                lock (measurements)
                {
                    measurements.Add((value, state));
                }
            }
        });
        listener.Start();
        var logger = new CapturingLogger();
        var breaker = new CircuitBreaker(
            new CircuitBreakerOptions { FailureThreshold = 1, BreakDuration = Break },
            _time,
            McpTelemetry.BreakerTransitionRecorder(logger, service));

        Fail(breaker, 1);
        _time.Advance(Break);
        breaker.RecordSuccess(Acquire(breaker));

        Assert.Equal([(1L, "open"), (1L, "half_open"), (1L, "closed")], measurements);
        Assert.Equal(3, logger.Entries.Count);
        Assert.All(logger.Entries, e => Assert.Equal(LogLevel.Warning, e.Level));
        Assert.Equal($"Circuit breaker of {service} moved from Closed to Open", logger.Entries[0].Message);
        Assert.Equal($"Circuit breaker of {service} moved from HalfOpen to Closed", logger.Entries[2].Message);
    }

    [Fact]
    public void Recorder_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => McpTelemetry.BreakerTransitionRecorder(null!, "svc"));
        Assert.Throws<ArgumentNullException>(() => McpTelemetry.BreakerTransitionRecorder(new CapturingLogger(), null!));
    }

    private CircuitBreaker Create(int threshold) => new(
        new CircuitBreakerOptions { FailureThreshold = threshold, BreakDuration = Break },
        _time,
        (from, to) => _changes.Add((from, to)));

    private static CircuitPermit Acquire(CircuitBreaker breaker)
    {
        Assert.True(breaker.TryAcquire(out var permit, out _));
        return permit;
    }

    private static void Fail(CircuitBreaker breaker, int times)
    {
        for (int i = 0; i < times; i++)
        {
            breaker.RecordFailure(Acquire(breaker));
        }
    }

    /// <summary>Keeps formatted log entries (single-threaded use).</summary>
    private sealed class CapturingLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
