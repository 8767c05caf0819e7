using System.Buffers;
using System.Diagnostics;
using System.Threading.Tasks.Sources;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// One tool call travelling through a service's dispatcher: its serialised arguments, its absolute deadline, its
/// attempt count and the <see cref="IValueTaskSource{TResult}"/> the caller awaits. Pooled and reused.
/// </summary>
/// <remarks>
/// <para>Concurrency contract. Several parties may race to finish a call: the worker running it, the cancellation
/// callback (caller cancellation, deadline, client disposal — all funnelled through one
/// <see cref="CancellationTokenSource"/>), a retry or resumption timer, and a caller waiting for room in the queue.
/// They agree through one word, <see cref="_state"/>, which packs the incarnation's version (upper 32 bits) with its
/// status (lower 32 bits) and changes only by compare-and-swap. Whoever moves it to <see cref="Completed"/> sets the
/// result; nobody else touches the source.</para>
/// <para>Status machine (every arrow is one CAS; the owner hears of each through
/// <see cref="IPendingCallOwner.OnTransition"/>, before the completion is published):</para>
/// <code>
///   Admitting ──admitted──▶ Queued ──worker──▶ Running ──result/error──▶ Completed
///       │                    ▲  │                 │  ├──retryable──▶ Backoff ───timer──▶ Queued
///       │                    │  │                 │  └──ResumeRequired──▶ Suspended ──timer──▶ Queued
///       └───────┬────────────┴──┴─────────────────┴── (Admitting/Queued/Backoff/Suspended) ──cancel──▶ Completed
/// </code>
/// <para>While <see cref="Admitting"/>, <see cref="Queued"/>, <see cref="Backoff"/> or <see cref="Suspended"/> the
/// cancellation callback may complete the call; while <see cref="Running"/> only the worker may (the callback just
/// cancels the token, which aborts the in-flight request). A stale reference (a channel item, a room waiter or a
/// timer of an earlier incarnation) carries the old version, so its CAS fails and it drops out. Leaving
/// <see cref="Queued"/> by any arrow happens exactly once per stay, which is what the queue's live-call count
/// relies on.</para>
/// <para>A suspended call (its reply stream broke and the protocol can resume it) keeps its endpoint lease, its
/// breaker permit and its <see cref="ToolCallResumption"/> on this object; whoever takes the call out of
/// <see cref="Suspended"/> or (re-queued) <see cref="Queued"/> takes them too (<see cref="TakeResumption"/>).</para>
/// <para>Reuse happens only in <see cref="GetResult"/>, after the registrations are disposed (which waits for a
/// running callback), so no callback can touch a recycled object.</para>
/// </remarks>
internal sealed partial class PendingCall : IValueTaskSource<ToolResult>, IDisposable
{
    /// <summary>In the pool.</summary>
    public const int Free = 0;

    /// <summary>In the service's queue (counted as a live call) until a worker takes it.</summary>
    public const int Queued = 1;

    /// <summary>A worker runs an attempt.</summary>
    public const int Running = 2;

    /// <summary>A retry timer holds it (the failed attempt's backoff).</summary>
    public const int Backoff = 3;

    /// <summary>Finished; the result or error is published.</summary>
    public const int Completed = 4;

    /// <summary>Accepted but not yet in the queue: about to be admitted, or waiting for room (full queue, Wait mode).</summary>
    public const int Admitting = 5;

    /// <summary>Its reply stream broke; a timer resumes the same attempt after the server's delay.</summary>
    public const int Suspended = 6;

    private const int ReasonNone = 0;
    private const int ReasonCaller = 1;
    private const int ReasonDisposed = 2;

    private ManualResetValueTaskSourceCore<ToolResult> _core = new() { RunContinuationsAsynchronously = true };
    private long _state;
    private int _cancelReason;
    private CancellationTokenSource? _cts;
    private CancellationTokenRegistration _tokenRegistration;
    private CancellationTokenRegistration _callerRegistration;
    private CancellationTokenRegistration _disposeRegistration;
    private CancellationToken _callerToken;
    private byte[]? _arguments;
    private ToolCallResumption? _resumption;
    private ServiceEndpoint? _heldEndpoint;
    private CircuitPermit _heldPermit;

    /// <summary>The dispatcher that owns the call; set once when the object is created.</summary>
    public IPendingCallOwner? Owner { get; set; }

    /// <summary>This call's place among the callers waiting for room in the queue (owned by <see cref="QueueAdmission"/>, under its lock).</summary>
    internal LinkedListNode<QueuedCall>? RoomNode { get; set; }

    /// <summary>The tool name.</summary>
    public string Tool { get; private set; } = string.Empty;

    /// <summary>The tool's statistics cell.</summary>
    public ToolStatistics? Statistics { get; private set; }

    /// <summary>The serialised arguments (pooled; owned by this call).</summary>
    public ReadOnlyMemory<byte> Arguments => _arguments.AsMemory(0, ArgumentsLength);

    /// <summary>Length of <see cref="Arguments"/>.</summary>
    public int ArgumentsLength { get; private set; }

    /// <summary>The call's total time limit.</summary>
    public TimeSpan Timeout { get; private set; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the call was accepted.</summary>
    public long StartTimestamp { get; private set; }

    /// <summary>Retries allowed after the first attempt.</summary>
    public int MaxRetries { get; private set; }

    /// <summary>Whether the tool may safely run twice.</summary>
    public bool Idempotent { get; private set; }

    /// <summary>The caller's progress receiver, or null (no progress token is requested).</summary>
    public IProgress<McpProgress>? Progress { get; private set; }

    /// <summary>What the call adds to <c>params._meta</c> (captured in the caller's context when accepted).</summary>
    public Transports.ToolCallMeta Meta { get; set; }

    /// <summary>The call's activity when a listener samples it (W3C trace context for the outgoing request), else null.</summary>
    public Activity? Activity { get; set; }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; set; }

    /// <summary>The endpoint the last attempt failed on (its retry prefers another), or null. Only the worker that
    /// owns the running call writes it.</summary>
    internal ServiceEndpoint? FailedOn { get; set; }

    /// <summary>The token every attempt runs under: fires on caller cancellation, deadline or client disposal.</summary>
    public CancellationToken Token => _cts!.Token;

    /// <summary>The current incarnation's version; a channel item or timer carries it.</summary>
    public short Version => _core.Version;

    /// <summary>True when the caller's own token caused the cancellation.</summary>
    public bool CanceledByCaller => Volatile.Read(ref _cancelReason) == ReasonCaller;

    /// <summary>True when client disposal caused the cancellation.</summary>
    public bool CanceledByDisposal => Volatile.Read(ref _cancelReason) == ReasonDisposed;

    /// <summary>
    /// Prepares a fresh incarnation. Copies <paramref name="arguments"/> into a pooled buffer (the caller's memory
    /// may be reused as soon as the call returns, even if an aborted attempt is still unwinding).
    /// </summary>
    public void Initialize(
        string tool, ToolStatistics statistics, ReadOnlySpan<byte> arguments, TimeSpan timeout, int maxRetries, bool idempotent,
        TimeProvider timeProvider, CancellationToken callerToken, CancellationToken disposalToken, IProgress<McpProgress>? progress = null)
    {
        Debug.Assert((int)Volatile.Read(ref _state) == Free, "A call must be free before it is initialised.");
        Tool = tool;
        Statistics = statistics;
        Timeout = timeout;
        MaxRetries = maxRetries;
        Idempotent = idempotent;
        Progress = progress;
        Attempts = 0;
        FailedOn = null;
        _cancelReason = ReasonNone;
        _callerToken = callerToken;
        StartTimestamp = timeProvider.GetTimestamp();

        _arguments = ArrayPool<byte>.Shared.Rent(Math.Max(arguments.Length, 16));
        arguments.CopyTo(_arguments);
        ArgumentsLength = arguments.Length;

        if (_cts is null || !_cts.TryReset())
        {
            _cts?.Dispose();
            _cts = new CancellationTokenSource(System.Threading.Timeout.InfiniteTimeSpan, timeProvider);
        }

        _core.RunContinuationsAsynchronously = true; // a hand-off (PublishClaimed) may have turned it off
        Volatile.Write(ref _state, Pack(Version, Admitting));
        _tokenRegistration = _cts.Token.UnsafeRegister(s_onTokenCanceled, this);
        _cts.CancelAfter(timeout);
        if (callerToken.CanBeCanceled)
        {
            _callerRegistration = callerToken.UnsafeRegister(s_onCallerCanceled, this);
        }

        _disposeRegistration = disposalToken.UnsafeRegister(s_onDisposed, this);
    }

    /// <summary>Whether incarnation <paramref name="version"/> is in <paramref name="status"/> right now (a snapshot).</summary>
    public bool IsIn(short version, int status) => Volatile.Read(ref _state) == Pack(version, status);

    /// <summary>Admitting → Queued for <paramref name="version"/>, once the queue admitted it; false if it already ended.</summary>
    public bool TryAdmit(short version) => TryMove(version, Admitting, Queued);

    /// <summary>Queued → Running for the incarnation <paramref name="version"/>; false if it already ended.</summary>
    public bool TryStart(short version) => TryMove(version, Queued, Running);

    /// <summary>Running → Backoff (only the worker calls this).</summary>
    public bool TryEnterBackoff() => TryMove(Version, Running, Backoff);

    /// <summary>Backoff → Queued (or Suspended → Queued) for <paramref name="version"/>, when its timer fires.</summary>
    public bool TryRequeue(short version, int from = Backoff) => TryMove(version, from, Queued);

    /// <summary>
    /// Running → Suspended (only the worker calls this): the call keeps <paramref name="endpoint"/>'s lease,
    /// <paramref name="permit"/> and <paramref name="resumption"/> until it is resumed or abandoned.
    /// </summary>
    public bool TrySuspend(ToolCallResumption resumption, ServiceEndpoint endpoint, in CircuitPermit permit)
    {
        Debug.Assert(_resumption is null, "A call holds at most one resumption.");
        _resumption = resumption;
        _heldEndpoint = endpoint;
        _heldPermit = permit;
        if (TryMove(Version, Running, Suspended))
        {
            return true;
        }

        _resumption = null;
        _heldEndpoint = null;
        _heldPermit = default;
        return false;
    }

    /// <summary>
    /// Takes the resumption (with its endpoint lease and breaker permit) that a suspension left on the call, or
    /// null when there is none. Only the party that just moved the call out of Suspended or Queued calls this.
    /// </summary>
    public ToolCallResumption? TakeResumption(out ServiceEndpoint? endpoint, out CircuitPermit permit)
    {
        var resumption = _resumption;
        endpoint = _heldEndpoint;
        permit = _heldPermit;
        _resumption = null;
        _heldEndpoint = null;
        _heldPermit = default;
        return resumption;
    }

    /// <summary>
    /// Completes with a result if <paramref name="from"/> is the current status. The owner's statistics are updated
    /// between the claim and the completion, while this incarnation still cannot be recycled.
    /// </summary>
    public bool TrySetResult(ToolResult result, int from = Running)
    {
        if (!TryMove(Version, from, Completed))
        {
            return false;
        }

        Owner?.OnCompleting(this, null);
        _core.SetResult(result);
        return true;
    }

    /// <summary>
    /// Running → Completed, telling the owner, without publishing the result yet: the worker's success path claims
    /// the call, releases what the attempt held, then publishes with <see cref="PublishClaimed"/>. Between the two
    /// nothing else can complete or recycle this incarnation.
    /// </summary>
    public bool TryClaimResult()
    {
        if (!TryMove(Version, Running, Completed))
        {
            return false;
        }

        Owner?.OnCompleting(this, null);
        return true;
    }

    /// <summary>
    /// Publishes the result of a call claimed by <see cref="TryClaimResult"/>. With <paramref name="inline"/> the
    /// caller's continuation runs on this thread before this returns (see <see cref="WorkerHandOff"/>); otherwise it
    /// is queued to the thread pool, as every other completion is. Nothing of this object may be touched afterwards:
    /// the caller may already have recycled it.
    /// </summary>
    public void PublishClaimed(ToolResult result, bool inline)
    {
        _core.RunContinuationsAsynchronously = !inline;
        _core.SetResult(result);
    }

    /// <summary>Completes with an error if <paramref name="from"/> is the current status.</summary>
    public bool TrySetException(Exception exception, int from = Running) => TrySetException(exception, from, Version);

    /// <summary>
    /// Completes incarnation <paramref name="version"/> with an error if <paramref name="from"/> is its status; for
    /// holders of a possibly stale reference (a channel item).
    /// </summary>
    public bool TrySetException(Exception exception, int from, short version)
    {
        if (!TryMove(version, from, Completed))
        {
            return false;
        }

        Owner?.OnCompleting(this, exception);
        _core.SetException(exception);
        return true;
    }

    public ToolResult GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            Recycle();
        }
    }

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Releases the cancellation source when the pool drops this object.</summary>
    public void Dispose() => _cts?.Dispose();

    private bool TryMove(short version, int from, int to)
    {
        var expected = Pack(version, from);
        if (Interlocked.CompareExchange(ref _state, Pack(version, to), expected) != expected)
        {
            return false;
        }

        // The winner of the CAS tells the owner, before any completion is published (so the call cannot be
        // recycled meanwhile): leaving the queue, abandoning a room wait or a suspension.
        Owner?.OnTransition(this, from, to);
        return true;
    }

    private static long Pack(short version, int status) => ((long)(ushort)version << 32) | (uint)status;

    private void Recycle()
    {
        // Dispose waits for a callback that is running right now, so none can touch the next incarnation.
        _callerRegistration.Dispose();
        _disposeRegistration.Dispose();
        _tokenRegistration.Dispose();
        _callerRegistration = default;
        _disposeRegistration = default;
        _tokenRegistration = default;
        _callerToken = default;
        if (_arguments is { } arguments)
        {
            _arguments = null;
            ArrayPool<byte>.Shared.Return(arguments);
        }

        Debug.Assert(_resumption is null && _heldEndpoint is null, "A finished call holds no resumption or lease.");
        Debug.Assert(RoomNode is null, "A finished call waits for no room.");
        Statistics = null;
        FailedOn = null; // no reference to a retired endpoint outlives the call
        Progress = null;
        Meta = default;
        Activity = null;
        Volatile.Write(ref _state, Free);
        _core.Reset();
        Owner?.ReturnToPool(this);
    }
}
