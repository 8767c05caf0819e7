using System.Buffers;
using System.Diagnostics;
using System.Threading.Tasks.Sources;
using Cortex.Mcp.Fast.Diagnostics;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// One tool call travelling through a service's dispatcher: its serialised arguments, its absolute deadline, its
/// attempt count and the <see cref="IValueTaskSource{TResult}"/> the caller awaits. Pooled and reused.
/// </summary>
/// <remarks>
/// <para>Concurrency contract. Three parties may race to finish a call: the worker running it, the cancellation
/// callback (caller cancellation, deadline, client disposal — all funnelled through one
/// <see cref="CancellationTokenSource"/>), and a retry timer. They agree through one word, <see cref="_state"/>, which
/// packs the incarnation's version (upper 32 bits) with its status (lower 32 bits) and changes only by
/// compare-and-swap. Whoever moves it to <see cref="Completed"/> sets the result; nobody else touches the source.</para>
/// <para>The status says who may act: while <see cref="Queued"/> or <see cref="Backoff"/> the cancellation callback
/// may complete the call; while <see cref="Running"/> only the worker may (the callback just cancels the token,
/// which aborts the in-flight request). A stale reference (a channel item or timer of an earlier incarnation)
/// carries the old version, so its CAS fails and it drops out.</para>
/// <para>Reuse happens only in <see cref="GetResult"/>, after the registrations are disposed (which waits for a
/// running callback), so no callback can touch a recycled object (STYLE habit 5).</para>
/// </remarks>
internal sealed class PendingCall : IValueTaskSource<ToolResult>, IDisposable
{
    public const int Free = 0;
    public const int Queued = 1;
    public const int Running = 2;
    public const int Backoff = 3;
    public const int Completed = 4;

    private const int ReasonNone = 0;
    private const int ReasonCaller = 1;
    private const int ReasonDisposed = 2;

    private static readonly Action<object?> s_onTokenCanceled = static state => ((PendingCall)state!).OnTokenCanceled();
    private static readonly Action<object?> s_onCallerCanceled = static state => ((PendingCall)state!).Cancel(ReasonCaller);
    private static readonly Action<object?> s_onDisposed = static state => ((PendingCall)state!).Cancel(ReasonDisposed);

    private ManualResetValueTaskSourceCore<ToolResult> _core = new() { RunContinuationsAsynchronously = true };
    private long _state;
    private int _cancelReason;
    private CancellationTokenSource? _cts;
    private CancellationTokenRegistration _tokenRegistration;
    private CancellationTokenRegistration _callerRegistration;
    private CancellationTokenRegistration _disposeRegistration;
    private CancellationToken _callerToken;
    private byte[]? _arguments;

    /// <summary>The dispatcher that owns the call; set once when the object is created.</summary>
    public ServiceDispatcher? Owner { get; set; }

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

    /// <summary>The call's activity when a listener samples it (W3C trace context for the outgoing request), else null.</summary>
    public Activity? Activity { get; set; }

    /// <summary>Attempts started so far.</summary>
    public int Attempts { get; set; }

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

        Volatile.Write(ref _state, Pack(Version, Queued));
        _tokenRegistration = _cts.Token.UnsafeRegister(s_onTokenCanceled, this);
        _cts.CancelAfter(timeout);
        if (callerToken.CanBeCanceled)
        {
            _callerRegistration = callerToken.UnsafeRegister(s_onCallerCanceled, this);
        }

        _disposeRegistration = disposalToken.UnsafeRegister(s_onDisposed, this);
    }

    /// <summary>Queued → Running for the incarnation <paramref name="version"/>; false if it already ended.</summary>
    public bool TryStart(short version) => TryMove(version, Queued, Running);

    /// <summary>Running → Backoff (only the worker calls this).</summary>
    public bool TryEnterBackoff() => TryMove(Version, Running, Backoff);

    /// <summary>Backoff → Queued for <paramref name="version"/>, when the retry timer fires.</summary>
    public bool TryRequeue(short version) => TryMove(version, Backoff, Queued);

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

    /// <summary>The exception for a cancelled call: the caller's cancellation, client disposal, or the deadline.</summary>
    public Exception CreateCancellationException(string service, Exception? inner = null) => Volatile.Read(ref _cancelReason) switch
    {
        ReasonCaller => new OperationCanceledException("The call was canceled by the caller.", inner, _callerToken),
        ReasonDisposed => new ClientDisposedException(service, Tool) { Attempts = Attempts },
        _ => new CallTimeoutException(service, Tool, TimeoutLimit.CallDeadline, Timeout, inner) { Attempts = Attempts },
    };

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

    private void Cancel(int reason)
    {
        Interlocked.CompareExchange(ref _cancelReason, reason, ReasonNone);
        try
        {
            _cts?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Tolerated race: the call finished and its source was replaced; nothing left to cancel.
        }
    }

    private void OnTokenCanceled()
    {
        // Queued or backing off: nobody else will finish the call, so finish it here. Running: the worker finishes
        // it when the aborted attempt unwinds.
        var exception = CreateCancellationException(Owner?.ServiceName ?? string.Empty);
        _ = TrySetException(exception, Queued) || TrySetException(exception, Backoff);
    }

    private bool TryMove(short version, int from, int to)
    {
        var expected = Pack(version, from);
        return Interlocked.CompareExchange(ref _state, Pack(version, to), expected) == expected;
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

        Statistics = null;
        Progress = null;
        Activity = null;
        Volatile.Write(ref _state, Free);
        _core.Reset();
        Owner?.ReturnToPool(this);
    }
}
