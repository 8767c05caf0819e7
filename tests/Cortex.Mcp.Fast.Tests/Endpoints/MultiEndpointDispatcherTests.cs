using System.Threading.Channels;
using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Tests.Dispatch;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Endpoints;

/// <summary>A dispatcher over two scripted endpoints on fake time: retries move to the other endpoint, the service
/// fails fast only when every breaker is open, and its reported breaker state aggregates the endpoints'.</summary>
public sealed class MultiEndpointDispatcherTests : IAsyncDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));
    private readonly Channel<TimeSpan> _retries = Channel.CreateUnbounded<TimeSpan>();
    private readonly CancellationToken _bound = new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token;
    private readonly ScriptedTransport _a = new("http://10.0.0.1:1/");
    private readonly ScriptedTransport _b = new("http://10.0.0.2:1/");
    private readonly ServiceDispatcher _dispatcher;

    public MultiEndpointDispatcherTests()
    {
        var options = new McpServiceOptions { Queue = { WorkerCount = 1 }, CircuitBreaker = { FailureThreshold = 1, BreakDuration = TimeSpan.FromSeconds(10) } };
        ServiceEndpoint[] endpoints =
        [
            new(_a, new CircuitBreaker(options.CircuitBreaker, _time)),
            new(_b, new CircuitBreaker(options.CircuitBreaker, _time)),
        ];

        // Every draw 0.0: the balancer's first pick is the first eligible endpoint, and a tie keeps it.
        _dispatcher = new ServiceDispatcher("svc", options.Snapshot(), endpoints, _time, () => 0.0, NullLogger.Instance)
        {
            RetryScheduled = (_, delay) => _retries.Writer.TryWrite(delay),
        };
    }

    [Fact]
    public async Task FailedAttempt_RetriesOnTheOtherEndpoint()
    {
        _a.Script("t", (_, _) => throw ScriptedTransport.Status("t", 503));

        var call = _dispatcher.EnqueueAsync("t", "{}"u8, null, CancellationToken.None).AsTask();
        _time.Advance(await _retries.Reader.ReadAsync(_bound));
        using var result = await call.WaitAsync(_bound);

        Assert.Equal(1, _a.Attempts("t"));
        Assert.Equal(1, _b.Attempts("t"));
    }

    [Fact]
    public async Task OneBreakerOpen_ServiceServesFromTheOther_AndReportsHalfOpen_AllOpen_FailsFastWithTheSoonestRetry()
    {
        _a.Script("t", (_, _) => throw ScriptedTransport.ConnectFailure("t"));
        _b.Script("t", (_, _) => throw ScriptedTransport.ConnectFailure("t"));

        // First call: fails on a (its breaker opens), its retry fails on b (that one opens 1 s later).
        var first = _dispatcher.EnqueueAsync("t", "{}"u8, new ToolCallOptions { MaxRetries = 1 }, CancellationToken.None).AsTask();
        var delay = await _retries.Reader.ReadAsync(_bound);
        Assert.Equal(CircuitState.HalfOpen, _dispatcher.GetDiagnostics().CircuitState); // one open, one closed: degraded
        _time.Advance(delay);
        var error = await Assert.ThrowsAnyAsync<ServiceCallException>(() => first.WaitAsync(_bound));
        Assert.Equal(2, error.Attempts);
        Assert.Equal(CircuitState.Open, _dispatcher.GetDiagnostics().CircuitState);

        // Every endpoint open: refused before queueing, with the time a's break ends (the sooner one).
        var refused = await Assert.ThrowsAsync<CircuitOpenException>(() => _dispatcher.EnqueueAsync("t", "{}"u8, null, CancellationToken.None).AsTask().WaitAsync(_bound));
        Assert.Equal(TimeSpan.FromSeconds(10) - delay, refused.RetryAfter);
        Assert.True(refused.RequestNotSent);
        Assert.Equal(1, _a.Attempts("t"));
        Assert.Equal(1, _b.Attempts("t"));

        // a's break ends first: its probe is admitted and succeeds; the service is open no longer.
        _a.Script("t", (_, _) => new ValueTask<ToolResult>(ScriptedTransport.Ok()));
        _time.Advance(TimeSpan.FromSeconds(10) - delay);
        using (await _dispatcher.EnqueueAsync("t", "{}"u8, new ToolCallOptions { MaxRetries = 0 }, CancellationToken.None).AsTask().WaitAsync(_bound))
        {
        }

        Assert.Equal(2, _a.Attempts("t"));
        Assert.Equal(CircuitState.HalfOpen, _dispatcher.GetDiagnostics().CircuitState);
    }

    public ValueTask DisposeAsync() => _dispatcher.DisposeAsync();
}
