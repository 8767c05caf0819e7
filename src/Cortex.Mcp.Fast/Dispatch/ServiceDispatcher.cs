using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>A channel item: the call and the incarnation it was queued for.</summary>
internal readonly record struct QueuedCall(PendingCall Call, short Version);

/// <summary>
/// The per-service engine of DESIGN §3: a bounded <see cref="Channel{T}"/> of pooled <see cref="PendingCall"/>s
/// drained by a fixed number of worker loops, a circuit breaker consulted before enqueue and fed by every attempt,
/// retries re-scheduled by a timer (a worker never sleeps), and one absolute deadline per call.
/// </summary>
/// <remarks>Thread-safe. The steady-state path (enqueue → worker → completion) allocates nothing of its own:
/// calls are pooled, attempts run on a pooling async builder, and statistics are updated with Interlocked.</remarks>
internal sealed partial class ServiceDispatcher : IAsyncDisposable
{
    private readonly Channel<QueuedCall> _channel;
    private readonly Task[] _workers;
    private readonly ObjectPool<PendingCall> _pool;
    private readonly ConcurrentDictionary<string, ToolStatistics> _tools = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly WorkerSignal _signal = new();
    private readonly SemaphoreSlim _streamSlots;
    private readonly RetryBudget _retryBudget;
    private readonly TimeProvider _timeProvider;
    private readonly Func<double> _random;
    private readonly ILogger _logger;
    private readonly KeyValuePair<string, object?> _serviceTag;
    private ServiceEndpoint _endpoint;
    private long _retries;
    private long _queueRejections;
    private long _invalidStreamItems;
    private int _openStreams;
    private int _disposed;

    public ServiceDispatcher(string serviceName, McpServiceOptions options, ServiceEndpoint endpoint, TimeProvider timeProvider, Func<double> random, ILogger logger)
    {
        ServiceName = serviceName;
        Options = options;
        _endpoint = endpoint;
        _timeProvider = timeProvider;
        _random = random;
        _logger = logger;
        _serviceTag = McpTelemetry.ServiceTag(serviceName);
        _retryBudget = new RetryBudget(options.RetryBudget, timeProvider);
        _streamSlots = new SemaphoreSlim(options.Streams.MaxConcurrent, options.Streams.MaxConcurrent);
        _channel = Channel.CreateBounded<QueuedCall>(new BoundedChannelOptions(options.Queue.Capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
            // Continuations of WaitToReadAsync run on the pool, not on the writer's stack.
            AllowSynchronousContinuations = false,
        });
        _pool = new DefaultObjectPool<PendingCall>(new PendingCallPolicy(this), options.Queue.Capacity + options.Queue.WorkerCount);
        _workers = new Task[options.Queue.WorkerCount];
        for (var i = 0; i < _workers.Length; i++)
        {
            _workers[i] = Task.Run(RunWorkerAsync);
        }
    }

    public string ServiceName { get; }

    public McpServiceOptions Options { get; }

    public ServiceEndpoint Endpoint => Volatile.Read(ref _endpoint);

    /// <summary>Raised when a retry is scheduled, with its delay. Intended for testing (an explicit signal instead of waiting).</summary>
    internal Action<string, TimeSpan>? RetryScheduled { get; set; }

    /// <summary>
    /// Accepts a call. Failures (open circuit, full queue in fail-fast mode, disposal, deadline, cancellation) come
    /// back through the returned task, never as a synchronous throw.
    /// </summary>
    public ValueTask<ToolResult> EnqueueAsync(string tool, ReadOnlySpan<byte> argumentsUtf8, ToolCallOptions? callOptions, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ValueTask.FromException<ToolResult>(new ClientDisposedException(ServiceName, tool));
        }

        var breaker = Endpoint.Breaker;
        if (breaker.State == CircuitState.Open && breaker.RetryAfter > TimeSpan.Zero)
        {
            // Fail fast: the caller learns at once, the queue is not filled with calls that would be refused.
            return ValueTask.FromException<ToolResult>(new CircuitOpenException(ServiceName, tool, breaker.RetryAfter));
        }

        var statistics = GetStatistics(tool);
        statistics.RecordStart();
        var call = _pool.Get();
        call.Initialize(
            tool,
            statistics,
            argumentsUtf8,
            callOptions?.Timeout ?? Options.CallTimeout,
            callOptions?.MaxRetries ?? Options.Retry.MaxRetries,
            callOptions?.Idempotent ?? true,
            _timeProvider,
            cancellationToken,
            _shutdown.Token,
            callOptions?.Progress);
        if (McpTelemetry.ActivitySource.HasListeners())
        {
            call.Activity = StartActivity(call.Tool);
        }

        var task = new ValueTask<ToolResult>(call, call.Version);
        _retryBudget.RecordRequest();

        var item = new QueuedCall(call, call.Version);
        if (TryWrite(item))
        {
            return task;
        }

        if (Options.Queue.FullMode == QueueFullMode.FailFast)
        {
            Interlocked.Increment(ref _queueRejections);
            McpTelemetry.QueueRejections.Add(1, _serviceTag);
            var rejection = new QueueFullException(ServiceName, tool, Options.Queue.Capacity);
            call.TrySetException(rejection, PendingCall.Queued);

            return task;
        }

        _ = WriteWhenRoomAsync(item);
        return task;
    }

    /// <summary>
    /// Called once per call, after its completion is decided and before the caller can see it (so the call's
    /// fields are still this incarnation's): updates statistics and telemetry.
    /// </summary>
    public void OnCompleting(PendingCall call, Exception? error)
    {
        var elapsed = _timeProvider.GetElapsedTime(call.StartTimestamp);
        call.Statistics?.RecordOutcome(error is null, elapsed);
        if (McpTelemetry.CallDuration.Enabled)
        {
            McpTelemetry.CallDuration.Record(elapsed.TotalSeconds, _serviceTag, McpTelemetry.ToolTag(call.Tool));
        }

        if (error is OperationCanceledException)
        {
            Log.CallCanceled(_logger, ServiceName, call.Tool, call.Attempts);
        }

        if (call.Activity is { } activity)
        {
            activity.SetTag("mcp.attempts", call.Attempts);
            if (error is not null)
            {
                activity.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
            }

            activity.Stop();
        }
    }

    /// <summary>Returns a finished call to the pool (from <see cref="PendingCall.GetResult"/>).</summary>
    public void ReturnToPool(PendingCall call) => _pool.Return(call);

    /// <summary>Makes <paramref name="next"/> current; the old endpoint drains and closes when its last user leaves.</summary>
    public void SwapEndpoint(ServiceEndpoint next)
    {
        var old = Interlocked.Exchange(ref _endpoint, next);
        if (!ReferenceEquals(old, next))
        {
            old.Retire();
            Log.EndpointChanged(_logger, ServiceName, next.Address);
        }
    }

    public ServiceDiagnostics GetDiagnostics()
    {
        var endpoint = Endpoint;
        var tools = new Dictionary<string, ToolCallStatistics>(StringComparer.Ordinal);
        foreach (var pair in _tools)
        {
            tools[pair.Key] = pair.Value.Snapshot();
        }

        return new ServiceDiagnostics(ServiceName, endpoint.Address, tools)
        {
            QueueDepth = _channel.Reader.CanCount ? _channel.Reader.Count : -1,
            OpenConnections = endpoint.Transport.OpenConnections,
            OpenStreams = Volatile.Read(ref _openStreams),
            CircuitState = endpoint.Breaker.State,
            ConsecutiveFailures = endpoint.Breaker.ConsecutiveFailures,
            Retries = Interlocked.Read(ref _retries),
            QueueRejections = Interlocked.Read(ref _queueRejections),
            InvalidStreamItems = Interlocked.Read(ref _invalidStreamItems),
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // One signal ends everything: queued and backing-off calls complete from their cancellation callbacks,
        // in-flight attempts are aborted and completed by their workers, streams stop.
        await _shutdown.CancelAsync().ConfigureAwait(false);
        _channel.Writer.TryComplete();
        _signal.Close();
        await Task.WhenAll(_workers).ConfigureAwait(false);
        await Endpoint.DisposeNowAsync().ConfigureAwait(false);
        _shutdown.Dispose();
        _streamSlots.Dispose();
    }

    private ToolStatistics GetStatistics(string tool) =>
        _tools.TryGetValue(tool, out var statistics) ? statistics : _tools.GetOrAdd(tool, static name => new ToolStatistics(name));

    private async Task WriteWhenRoomAsync(QueuedCall item)
    {
        try
        {
            // The call's own token fires at its deadline or on cancellation; its callback then completes the call.
            await _channel.Writer.WriteAsync(item, item.Call.Token).ConfigureAwait(false);
            _signal.Release();
        }
        catch (OperationCanceledException)
        {
            // Completed by the call's cancellation callback (deadline, caller or disposal).
        }
        catch (ChannelClosedException)
        {
            // The item may be stale (the call finished and was reused): only its own incarnation may be failed.
            item.Call.TrySetException(new ClientDisposedException(ServiceName, string.Empty), PendingCall.Queued, item.Version);
        }
    }

    /// <summary>
    /// Starts the call's client activity without making it the caller's current activity (the caller continues at
    /// once; the worker makes it current around each attempt so the HTTP handler propagates its trace context).
    /// </summary>
    private Activity? StartActivity(string tool)
    {
        var previous = Activity.Current;
        var activity = McpTelemetry.ActivitySource.StartActivity("mcp.call " + tool, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("mcp.service", ServiceName);
            activity.SetTag("mcp.tool", tool);
            Activity.Current = previous;
        }

        return activity;
    }

    /// <summary>Writes an item without waiting and wakes one worker for it.</summary>
    private bool TryWrite(QueuedCall item)
    {
        if (!_channel.Writer.TryWrite(item))
        {
            return false;
        }

        _signal.Release();
        return true;
    }

    private async Task RunWorkerAsync()
    {
        var reader = _channel.Reader;
        var waiter = new WorkerSignal.Waiter();
        while (true)
        {
            while (reader.TryRead(out var item))
            {
                var call = item.Call;
                if (!call.TryStart(item.Version) || !TryBeginAttempt(call, out var endpoint, out var permit))
                {
                    continue;
                }

                ToolResult? result = null;
                Exception? failure = null;
                var traced = call.Activity;
                if (traced is not null)
                {
                    Activity.Current = traced; // the handler writes its W3C traceparent on the outgoing request
                }

                try
                {
                    result = await endpoint.Transport.CallToolAsync(call.Tool, call.Arguments, call.Progress, call.Token).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
                finally
                {
                    if (traced is not null)
                    {
                        Activity.Current = null;
                    }
                }

                FinishAttempt(call, endpoint, in permit, result, failure);
            }

            if (!await _signal.WaitAsync(waiter).ConfigureAwait(false))
            {
                return; // closed: every call still queued was already completed by the shutdown signal
            }
        }
    }

    private sealed class PendingCallPolicy(ServiceDispatcher owner) : PooledObjectPolicy<PendingCall>
    {
        public override PendingCall Create() => new() { Owner = owner };

        public override bool Return(PendingCall obj) => true;
    }
}
