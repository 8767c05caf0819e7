using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;
using System.Diagnostics.CodeAnalysis;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Tasks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>A channel item (or a room waiter): the call and the incarnation it was queued for.</summary>
internal readonly record struct QueuedCall(PendingCall Call, short Version);

/// <summary>
/// The per-service engine: a queue of pooled <see cref="PendingCall"/>s bounded in live calls
/// (<see cref="QueueAdmission"/>) drained by a fixed number of worker loops, a circuit breaker consulted before
/// enqueue and fed by every attempt (<c>ServiceDispatcher.Attempts.cs</c>), retries and resumptions re-scheduled by a
/// <see cref="RequeueTimer"/> (a worker never sleeps), one absolute deadline per call, and the service's other
/// operations (<see cref="Requests"/>, <see cref="Streams"/>) under the same endpoint lease, breaker and error path.
/// </summary>
/// <remarks>
/// <para>Thread-safe. The steady-state path (enqueue → worker → completion) allocates nothing of its own:
/// calls are pooled, attempts run on a pooling async builder, and statistics are updated with Interlocked.</para>
/// <para>Options: <see cref="Options"/> is the snapshot the facade took when the service started
/// (<c>McpServiceOptions.Snapshot()</c>); every per-call default (deadline, retries, full-queue mode) is read from
/// it, never from the user's instance.</para>
/// </remarks>
internal sealed partial class ServiceDispatcher : IAsyncDisposable, IPendingCallOwner
{
    /// <summary>Unbounded: capacity is counted in live calls by <see cref="_admission"/>; entries of calls that
    /// already ended may remain until a worker reads and discards them.</summary>
    private readonly Channel<QueuedCall> _channel;
    private readonly QueueAdmission _admission;

    /// <summary>The overload detector of <see cref="QueueFullMode.Shed"/> mode; null in the other modes.</summary>
    private readonly QueueDelayShedder? _shedder;
    private readonly Task[] _workers;
    private readonly ObjectPool<PendingCall> _pool;
    private readonly ConcurrentDictionary<string, ToolStatistics> _tools = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _shutdown = new();
    private readonly WorkerSignal _signal = new();
    private readonly RetryBudget _retryBudget;
    private readonly TimeProvider _timeProvider;
    private readonly Func<double> _random;
    private readonly ILogger _logger;
    private readonly EndpointSlot _endpoints;

    /// <summary>Whether a worker may hand its thread to the caller on success (<see cref="WorkerHandOff"/>); read
    /// once per service from the <see cref="DisableCompletionHandOffSwitch"/> AppContext switch.</summary>
    private readonly bool _handOff;
    private long _retries;
    private long _queueRejections;
    private int _disposed;

    /// <summary>
    /// The AppContext switch that turns <see cref="WorkerHandOff"/> off for services started afterwards: every caller
    /// then hears of its result through the thread pool (one hop more per call), never on a reply's thread.
    /// </summary>
    public const string DisableCompletionHandOffSwitch = "Cortex.Mcp.Fast.DisableCompletionHandOff";

    public ServiceDispatcher(string serviceName, McpServiceOptions options, ServiceEndpoint endpoint, TimeProvider timeProvider, Func<double> random, ILogger logger)
        : this(serviceName, options, [endpoint], timeProvider, random, logger)
    {
    }

    /// <summary>A dispatcher balancing over <paramref name="endpoints"/> (not empty, no duplicates).</summary>
    public ServiceDispatcher(string serviceName, McpServiceOptions options, ServiceEndpoint[] endpoints, TimeProvider timeProvider, Func<double> random, ILogger logger)
    {
        ServiceName = serviceName;
        Options = options;
        _endpoints = new EndpointSlot(endpoints, random);
        _handOff = !(AppContext.TryGetSwitch(DisableCompletionHandOffSwitch, out var disabled) && disabled);
        _timeProvider = timeProvider;
        _random = random;
        _logger = logger;
        Telemetry = ServiceTelemetry.Default(serviceName, timeProvider);
        _retryBudget = new RetryBudget(options.RetryBudget, timeProvider);
        _channel = Channel.CreateUnbounded<QueuedCall>(new UnboundedChannelOptions
        {
            SingleReader = false,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        });
        _admission = new QueueAdmission(options.Queue.Capacity, options.Queue.MaxWaiters, WriteAdmitted);
        _shedder = options.Queue.FullMode == QueueFullMode.Shed
            ? new QueueDelayShedder(options.Queue.ShedTarget, options.Queue.ShedInterval, timeProvider)
            : null;
        _pool = new DefaultObjectPool<PendingCall>(new PendingCallPolicy(this), options.Queue.Capacity + options.Queue.WorkerCount);
        Requests = new ServiceRequests(this);
        Streams = new ServiceStreams(this);
        _workers = new Task[options.Queue.WorkerCount];
        for (var i = 0; i < _workers.Length; i++)
        {
            // The loops serve every caller: none of them runs inside the context of the caller that started the service.
            _workers[i] = DetachedFlow.Start(() => Task.Run(RunWorkerAsync));
        }
    }

    public string ServiceName { get; }

    public McpServiceOptions Options { get; }

    /// <summary>The first endpoint: the service's address in logs, telemetry tags and diagnostics.</summary>
    public ServiceEndpoint Endpoint => _endpoints.Current;

    /// <summary>Every endpoint calls are balanced over now (a snapshot).</summary>
    public IReadOnlyList<ServiceEndpoint> Endpoints => _endpoints.All;

    /// <summary>The service's spans and measurements (the client's meter); the static meter's by default.</summary>
    public ServiceTelemetry Telemetry { get; init; }

    /// <summary>The service's requests other than tool calls (tools/list and the like).</summary>
    public ServiceRequests Requests { get; }

    /// <summary>The service's resource streams and subscriptions.</summary>
    public ServiceStreams Streams { get; }

    /// <summary>True once <see cref="DisposeAsync"/> has begun: nothing new is accepted.</summary>
    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Fires when the dispatcher is disposed; ends every call, request and stream.</summary>
    internal CancellationToken ShutdownToken => _shutdown.Token;

    internal TimeProvider TimeProvider => _timeProvider;

    internal ILogger Logger => _logger;

    /// <summary>Raised when a retry is scheduled, with its delay. Intended for testing (an explicit signal instead of waiting).</summary>
    internal Action<string, TimeSpan>? RetryScheduled { get; set; }

    /// <summary>Raised when a call is suspended for a resumption, with its delay. Intended for testing.</summary>
    internal Action<string, TimeSpan>? ResumptionScheduled { get; set; }

    /// <summary>The service's retry budget. Intended for testing.</summary>
    internal RetryBudget RetryBudget => _retryBudget;

    /// <summary>The live-call accounting of the queue. Intended for testing.</summary>
    internal QueueAdmission Admission => _admission;

    /// <summary>The overload detector (<see cref="QueueFullMode.Shed"/> mode only). Intended for testing.</summary>
    internal QueueDelayShedder? Shedder => _shedder;

    /// <summary>
    /// Accepts a call. Failures (open circuit, full or overloaded queue, disposal, deadline, cancellation) come back
    /// through the returned task, never as a synchronous throw.
    /// </summary>
    public ValueTask<ToolResult> EnqueueAsync(string tool, ReadOnlySpan<byte> argumentsUtf8, ToolCallOptions? callOptions, CancellationToken cancellationToken)
    {
        if (IsDisposed)
        {
            return ValueTask.FromException<ToolResult>(ErrorFactory.Disposed(ServiceName, tool));
        }

        if (!Transports.ToolCallMeta.IsValid(callOptions))
        {
            return ValueTask.FromException<ToolResult>(new ArgumentException("ToolCallOptions.Meta must be a JSON object.", nameof(callOptions)));
        }

        if (_endpoints.AllOpen(out var retryAfter))
        {
            // Fail fast: the caller learns at once, the queue is not filled with calls that would be refused. With
            // several endpoints only when every breaker is open, with the soonest time one will admit a probe.
            return ValueTask.FromException<ToolResult>(ErrorFactory.CircuitOpen(ServiceName, tool, retryAfter));
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
        call.Activity = Telemetry.StartToolCall(call.Tool, Endpoint.Address);

        // Captured here, in the caller's context: attempts run on the workers. The call's own span, when there is one,
        // is the parent the server's spans should join.
        call.Meta = Transports.ToolCallMeta.Capture(callOptions, call.Activity ?? System.Diagnostics.Activity.Current);

        var task = new ValueTask<ToolResult>(call, call.Version);
        _retryBudget.RecordRequest();

        var item = new QueuedCall(call, call.Version);
        if (_shedder is { } shedder && shedder.IsStalled(_admission.Live))
        {
            // Shed mode, a queue that holds calls and has taken none for an interval: refused now, not at the deadline.
            Refuse(call, item.Version, PendingCall.Admitting, ErrorFactory.QueueStalled(ServiceName, tool, _admission.Capacity));
            return task;
        }

        if (_admission.TryEnter())
        {
            if (_shedder is not null && _admission.Live == 1)
            {
                _shedder.NoteArrivalInEmptyQueue(); // accepted race: another arrival or a take may fall in between
            }

            if (!WriteAdmitted(item))
            {
                _admission.Leave(); // ended before it was queued (a token that had already fired)
            }

            return task;
        }

        // Wait mode: parked until a live call leaves the queue (its deadline and cancellation still end it), unless
        // MaxWaiters callers already wait. Fail-fast and shed modes refuse at once.
        if (Options.Queue.FullMode != QueueFullMode.Wait)
        {
            Refuse(call, item.Version, PendingCall.Admitting, ErrorFactory.QueueFull(ServiceName, tool, _admission.Capacity));
        }
        else if (!_admission.TryWait(item))
        {
            Refuse(call, item.Version, PendingCall.Admitting, ErrorFactory.QueueWaiterLimit(ServiceName, tool, _admission.Capacity, _admission.MaxWaiters));
        }

        return task;
    }

    /// <inheritdoc/>
    public void OnTransition(PendingCall call, int from, int to)
    {
        if (from == PendingCall.Queued)
        {
            _admission.Leave(); // taken by a worker, or ended while queued: exactly once per stay
        }

        if (to != PendingCall.Completed)
        {
            return;
        }

        if (from == PendingCall.Admitting)
        {
            _admission.Abandon(call);
        }
        else if (from is PendingCall.Suspended or PendingCall.Queued)
        {
            // Ended while it waited to resume: the resumption, the lease and the permit are released here.
            AbandonResumption(call);
        }
    }

    /// <summary>
    /// Called once per call, after its completion is decided and before the caller can see it (so the call's
    /// fields are still this incarnation's): updates statistics and telemetry.
    /// </summary>
    public void OnCompleting(PendingCall call, Exception? error)
    {
        var elapsed = _timeProvider.GetElapsedTime(call.StartTimestamp);
        call.Statistics?.RecordOutcome(error is null, elapsed);
        _shedder?.NoteCompleted();
        if (error is OperationCanceledException)
        {
            Log.CallCanceled(_logger, ServiceName, call.Tool, call.Attempts);
        }

        Telemetry.CompleteToolCall(call.Tool, call.Activity, call.Attempts, elapsed, error, Endpoint.Address);
    }

    /// <summary>Returns a finished call to the pool (from <see cref="PendingCall.GetResult"/>).</summary>
    public void ReturnToPool(PendingCall call) => _pool.Return(call);


    public ServiceDiagnostics GetDiagnostics()
    {
        var endpoints = _endpoints.All;
        var endpoint = endpoints[0];
        int connections = 0, failures = 0;
        foreach (var each in endpoints)
        {
            connections += each.Transport.OpenConnections;
            failures = Math.Max(failures, each.Breaker.ConsecutiveFailures);
        }

        var tools = new Dictionary<string, ToolCallStatistics>(StringComparer.Ordinal);
        foreach (var pair in _tools)
        {
            tools[pair.Key] = pair.Value.Snapshot();
        }

        return new ServiceDiagnostics(ServiceName, endpoint.Address, tools)
        {
            QueueDepth = _admission.Live,
            OpenConnections = connections,
            OpenStreams = Streams.Open,
            CircuitState = BreakerState,
            ConsecutiveFailures = failures,
            Retries = Interlocked.Read(ref _retries),
            QueueRejections = Interlocked.Read(ref _queueRejections),
            InvalidStreamItems = Streams.InvalidItems,
        };
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _endpoints.Close();

        // One signal ends everything: waiting, queued, backing-off and suspended calls complete from their
        // cancellation callbacks, in-flight attempts are aborted and completed by their workers, streams stop.
        await _shutdown.CancelAsync().ConfigureAwait(false);
        _channel.Writer.TryComplete();
        _signal.Close();
        await Task.WhenAll(_workers).ConfigureAwait(false);
        foreach (var endpoint in _endpoints.All)
        {
            await endpoint.DisposeNowAsync().ConfigureAwait(false);
        }

        // _shutdown is not disposed (nor are the stream slots, see ServiceStreams): streams still unwinding and late
        // arrivals read its token after this point. It holds no unmanaged resource unless its wait handle is used,
        // which it never is.
    }

    private ToolStatistics GetStatistics(string tool) =>
        _tools.TryGetValue(tool, out var statistics) ? statistics : _tools.GetOrAdd(tool, static name => new ToolStatistics(name));

    private sealed class PendingCallPolicy(ServiceDispatcher owner) : PooledObjectPolicy<PendingCall>
    {
        public override PendingCall Create() => new() { Owner = owner };

        public override bool Return(PendingCall obj) => true;
    }
}
