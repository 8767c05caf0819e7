using System.Threading.Channels;
using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Resilience;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>A dispatcher over a <see cref="ScriptedTransport"/> on fake time, with explicit retry signals.</summary>
internal sealed class DispatcherHarness : IAsyncDisposable
{
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly Channel<TimeSpan> _retries = Channel.CreateUnbounded<TimeSpan>();
    private readonly Channel<TimeSpan> _resumptions = Channel.CreateUnbounded<TimeSpan>();

    public DispatcherHarness(Action<McpServiceOptions>? configure = null, TimeProvider? realTime = null)
    {
        TimeProvider clock = realTime ?? Time;
        Options = new McpServiceOptions { Queue = { WorkerCount = 2, Capacity = 64 } };
        configure?.Invoke(Options);
        Breaker = new CircuitBreaker(Options.CircuitBreaker, clock);

        // Like the facade: the running service gets a snapshot; Options stays the "user's" instance.
        Dispatcher = new ServiceDispatcher("svc", Options.Snapshot(), new ServiceEndpoint(Transport, Breaker), clock, () => 0.5, NullLogger.Instance)
        {
            RetryScheduled = (_, delay) => _retries.Writer.TryWrite(delay),
            ResumptionScheduled = (_, delay) => _resumptions.Writer.TryWrite(delay),
        };
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero));

    public ScriptedTransport Transport { get; } = new();

    /// <summary>The options the test configured (the dispatcher runs on a snapshot of them).</summary>
    public McpServiceOptions Options { get; }

    public CircuitBreaker Breaker { get; }

    public ServiceDispatcher Dispatcher { get; }

    public CancellationToken Timeout { get; } = new CancellationTokenSource(Bound).Token;

    public ValueTask<ToolResult> Call(string tool, ToolCallOptions? options = null, CancellationToken cancellationToken = default) =>
        Dispatcher.EnqueueAsync(tool, "{}"u8, options, cancellationToken);

    /// <summary>Waits for the next scheduled retry and returns its delay (without advancing time).</summary>
    public async Task<TimeSpan> NextRetryAsync() => await _retries.Reader.ReadAsync(Timeout);

    /// <summary>Waits for the next suspension for a resumption and returns its delay (without advancing time).</summary>
    public async Task<TimeSpan> NextResumptionAsync() => await _resumptions.Reader.ReadAsync(Timeout);

    /// <summary>True when no retry was ever scheduled.</summary>
    public bool NoRetryScheduled => !_retries.Reader.TryPeek(out _);

    /// <summary>Advances fake time through every retry until <paramref name="task"/> completes; returns the delays seen.</summary>
    public async Task<List<TimeSpan>> DriveAsync(Task task)
    {
        var delays = new List<TimeSpan>();
        while (!task.IsCompleted)
        {
            var next = _retries.Reader.WaitToReadAsync(Timeout).AsTask();
            await Task.WhenAny(task, next).WaitAsync(Timeout);
            while (_retries.Reader.TryRead(out var delay))
            {
                delays.Add(delay);
                Time.Advance(delay);
            }
        }

        return delays;
    }

    public async Task<T> Within<T>(Task<T> task) => await task.WaitAsync(Timeout);

    public async Task<Exception> FailureOf(Task task)
    {
        var ex = await Record.ExceptionAsync(() => task.WaitAsync(Timeout));
        Assert.NotNull(ex);
        Assert.IsNotType<TimeoutException>(ex);
        return ex;
    }

    public ValueTask DisposeAsync() => Dispatcher.DisposeAsync();
}
