using Cortex.Mcp.Fast.Errors;
using System.Runtime.CompilerServices;

namespace Cortex.Mcp.Fast.Resilience;

/// <summary>
/// A lock-free circuit breaker for one service (or endpoint): Closed → Open after too many failures, Open →
/// HalfOpen lazily once the break period has passed, then one probe call closes or re-opens it.
/// </summary>
/// <remarks>
/// <para>
/// Use: call <see cref="TryAcquire"/> before a call; if it returns <see langword="false"/> fail fast with the
/// <c>retryAfter</c> it gives. Otherwise report the call's outcome with exactly one of <see cref="RecordSuccess"/>,
/// <see cref="RecordFailure"/> or <see cref="RecordIgnored"/>, passing the permit back (see
/// <see cref="FailureClassifier.IsBreakerFailure"/> for what is a failure; caller cancellation never is).
/// </para>
/// <para>
/// Semantics (Polly v8 observable behaviour with Polly v7's lock-free probe):
/// a half-open circuit admits <b>exactly one</b> probe, won by compare-and-swap; every other caller is rejected with
/// the time left. A probe that never reports does not wedge the circuit: its slot lasts one break period, after
/// which the next caller becomes a new probe. Probe success closes the circuit and resets the count; probe failure
/// re-opens it for another break. A probe reported as ignored (it was cancelled, or its outcome says nothing about
/// the service) gives its slot back at once, so the next caller probes instead of everyone waiting a full break.
/// Outcomes of calls admitted in an earlier period (before the circuit opened, or a superseded probe) are counted
/// in <see cref="ConsecutiveFailures"/> while the circuit is not closed, but never open, re-open, close, or extend
/// the break; in a later closed period they are ignored.
/// </para>
/// <para>
/// Concurrency contract: every member may be called from any thread; nothing blocks or locks. State, failure count
/// and "blocked until" live in one 64-bit word (see <see cref="CircuitWord"/>) changed only by
/// <see cref="Interlocked.CompareExchange(ref long, long, long)"/>, so each transition has exactly one winner, and
/// only the winner raises the constructor's <c>onTransition</c> hook. The closed path reads the word, never touches
/// the hook and writes nothing unless a failure count must be reset. Failure-ratio mode adds lock-free rolling
/// counters whose rollover race is described on <see cref="RollingCounters"/>. Timestamps must not run backwards (those of
/// <see cref="TimeProvider.System"/> do not); if they do, the breaker stays blocked longer, never shorter.
/// </para>
/// </remarks>
internal sealed partial class CircuitBreaker
{
    /// <summary>Time source, in timestamp units since construction.</summary>
    private readonly MonotonicClock _clock;

    /// <summary><see cref="CircuitBreakerOptions.BreakDuration"/> in clock units (at least 1).</summary>
    private readonly long _breakTimestamps;

    /// <summary>Copied <see cref="CircuitBreakerOptions.FailureThreshold"/>.</summary>
    private readonly int _failureThreshold;

    /// <summary>Copied <see cref="CircuitBreakerOptions.FailureRatio"/> (meaningful when <see cref="_health"/> is set).</summary>
    private readonly double _failureRatio;

    /// <summary>Copied <see cref="CircuitBreakerOptions.MinimumThroughput"/>.</summary>
    private readonly int _minimumThroughput;

    /// <summary>Copied <see cref="CircuitBreakerOptions.Enabled"/>; a disabled breaker's word never leaves Closed.</summary>
    private readonly bool _enabled;

    /// <summary>Rolling successes (first) and failures (second); null in consecutive-failure mode.</summary>
    private readonly RollingCounters? _health;

    /// <summary>The owner's hook, raised after each state change (telemetry: counter and log with the service tag).</summary>
    private readonly Action<CircuitState, CircuitState>? _onTransition;

    /// <summary>The packed state (see <see cref="CircuitWord"/>); changed only by compare-and-swap.</summary>
    private long _word;

    /// <summary>Largest "blocked until" any probe was given; keeps probe tokens unique even at equal timestamps.</summary>
    private long _probeHighWater;

    /// <summary>Source of closed-period generations (masked to 30 bits, 0 skipped).</summary>
    private int _generations;

    /// <summary>Failures while not closed: the count that opened it plus stale and probe failures since.</summary>
    private int _openFailures;

    /// <summary>Number of state changes so far.</summary>
    private long _transitions;

    /// <summary>Creates a closed breaker.</summary>
    /// <param name="options">Settings; validated and copied.</param>
    /// <param name="timeProvider">Time source; only its timestamps are used.</param>
    /// <param name="onTransition">Called with (from, to) after each state change, inline by the thread whose
    /// compare-and-swap made it (so at most once per change; under contention two calls can overlap and be seen out
    /// of order, while <see cref="Transitions"/> stays exact). Never called on the closed hot path. It must be fast and
    /// must not throw: an exception reaches the call that caused the change, after the change. The client passes
    /// <see cref="Diagnostics.McpTelemetry.BreakerTransitionRecorder"/>.</param>
    /// <exception cref="ArgumentNullException">A required argument is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public CircuitBreaker(
        CircuitBreakerOptions options,
        TimeProvider timeProvider,
        Action<CircuitState, CircuitState>? onTransition = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        _clock = new MonotonicClock(timeProvider);
        _breakTimestamps = Math.Max(1, _clock.ToTimestamps(options.BreakDuration));
        _failureThreshold = options.FailureThreshold;
        _minimumThroughput = options.MinimumThroughput;
        _enabled = options.Enabled;
        _onTransition = onTransition;
        if (options.FailureRatio is { } ratio && _enabled)
        {
            _failureRatio = ratio;
            _health = new RollingCounters(_clock.ToTimestamps(options.SamplingDuration));
        }

        _generations = 1;
        _word = CircuitWord.Closed(1);
    }

    /// <summary>The current state. Open → HalfOpen happens lazily in <see cref="TryAcquire"/>, so an open circuit whose
    /// break has passed reads <see cref="CircuitState.Open"/> until the next caller arrives.</summary>
    public CircuitState State => CircuitWord.ToState(Volatile.Read(ref _word));

    /// <summary>
    /// Closed: failures since the last success in this closed period. Open or half-open: the failures that opened
    /// the circuit plus failures reported since (late calls and failed probes).
    /// </summary>
    public int ConsecutiveFailures
    {
        get
        {
            long word = Volatile.Read(ref _word);
            return CircuitWord.IsClosed(word) ? CircuitWord.Count(word) : Volatile.Read(ref _openFailures);
        }
    }

    /// <summary>Time until a call can be admitted: zero when closed or when a probe may start now.</summary>
    public TimeSpan RetryAfter
    {
        get
        {
            long word = Volatile.Read(ref _word);
            long state = CircuitWord.StateBits(word);
            if (state == CircuitWord.ClosedBits || state == CircuitWord.ReleasedBits)
            {
                return TimeSpan.Zero;
            }

            long remaining = CircuitWord.BlockedUntil(word) - _clock.Now();
            return _clock.ToTimeSpan(Math.Min(remaining, _breakTimestamps));
        }
    }

    /// <summary>How many state changes happened (each counted once, by the thread that made it).</summary>
    public long Transitions => Volatile.Read(ref _transitions);

    /// <summary>Asks to make a call.</summary>
    /// <param name="permit">On success, the permit to report the outcome with; otherwise <c>default</c>.</param>
    /// <param name="retryAfter">On rejection, the time left in the break (at most the break duration); otherwise zero.</param>
    /// <returns><see langword="true"/> when the call may proceed (check <see cref="CircuitPermit.IsProbe"/>).</returns>
    /// <remarks>Closed: one read, no writes, no clock. Open before the break end: rejected. At or after the break end
    /// (or when a probe gave its slot back): callers race by compare-and-swap and exactly one becomes the probe.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAcquire(out CircuitPermit permit, out TimeSpan retryAfter)
    {
        long word = Volatile.Read(ref _word);
        if (CircuitWord.IsClosed(word))
        {
            permit = new CircuitPermit(CircuitWord.Token(word));
            retryAfter = TimeSpan.Zero;
            return true;
        }

        return TryAcquireNotClosed(word, out permit, out retryAfter);
    }

    /// <summary>Reports that the permitted call succeeded.</summary>
    /// <param name="permit">The permit <see cref="TryAcquire"/> gave for the call.</param>
    /// <remarks>Closed with no failures pending: one read and one compare, nothing written. A probe's success closes
    /// the circuit; a stale permit's success changes nothing.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RecordSuccess(in CircuitPermit permit)
    {
        // A closed token equals the word only in the permit's own period with a zero count: nothing to do.
        // (A current probe's token equals the word too, hence the closed check.)
        long token = permit.Token;
        if (_health is null && CircuitWord.IsClosed(token) && Volatile.Read(ref _word) == token)
        {
            return;
        }

        RecordSuccessSlow(token);
    }

    /// <summary>Reports that the permitted call failed in a way that counts against the service.</summary>
    /// <param name="permit">The permit <see cref="TryAcquire"/> gave for the call.</param>
    public void RecordFailure(in CircuitPermit permit)
    {
        if (!_enabled)
        {
            return;
        }

        long token = permit.Token;
        if (CircuitWord.StateBits(token) == CircuitWord.HalfOpenBits)
        {
            FailProbe(token);
            return;
        }

        long word = Volatile.Read(ref _word);
        if (CircuitWord.Token(word) != token)
        {
            CountLateFailure(word);
            return;
        }

        long now = -1;
        bool ratioSaysBreak = false;
        if (_health is not null)
        {
            now = _clock.Now();
            _health.Add(now, 0, 1);
            _health.Sum(now, out long successes, out long failures);
            long throughput = successes + failures;
            ratioSaysBreak = throughput >= _minimumThroughput && (double)failures / throughput >= _failureRatio;
        }

        while (true)
        {
            int count = CircuitWord.Count(word);
            count = count == CircuitWord.MaxCount ? count : count + 1;
            bool open = _health is null ? count >= _failureThreshold : ratioSaysBreak;
            long next;
            if (open)
            {
                if (now < 0)
                {
                    now = _clock.Now();
                }

                next = CircuitWord.Open(now + _breakTimestamps);
            }
            else
            {
                next = CircuitWord.WithCount(word, count);
            }

            long seen = Interlocked.CompareExchange(ref _word, next, word);
            if (seen == word)
            {
                AssertInvariants(next);
                if (open)
                {
                    Interlocked.Exchange(ref _openFailures, count);
                    OnTransition(CircuitState.Closed, CircuitState.Open);
                }

                return;
            }

            word = seen;
            if (CircuitWord.Token(word) != token)
            {
                CountLateFailure(word); // Another failure opened it first (or the period ended): ours is late.
                return;
            }
        }
    }

    /// <summary>Reports <paramref name="outcome"/> (as <see cref="FailureFacts.BreakerOutcome"/> classified it) for the permitted call.</summary>
    /// <param name="permit">The permit <see cref="TryAcquire"/> gave for the call.</param>
    /// <param name="outcome">What the call's end says about the service.</param>
    public void Record(in CircuitPermit permit, BreakerOutcome outcome)
    {
        switch (outcome)
        {
            case BreakerOutcome.Failure: RecordFailure(in permit); break;
            case BreakerOutcome.Success: RecordSuccess(in permit); break;
            default: RecordIgnored(in permit); break;
        }
    }

    /// <summary>
    /// Reports an outcome that says nothing about the service's health (caller cancellation, a tool error, a 4xx):
    /// never a failure, never a success.
    /// </summary>
    /// <param name="permit">The permit <see cref="TryAcquire"/> gave for the call.</param>
    /// <remarks>For the current probe this gives the half-open slot back at once: the next caller becomes the probe,
    /// and the state stays <see cref="CircuitState.HalfOpen"/>. Otherwise it does nothing.</remarks>
    public void RecordIgnored(in CircuitPermit permit)
    {
        long token = permit.Token;
        if (_enabled && CircuitWord.StateBits(token) == CircuitWord.HalfOpenBits)
        {
            long released = CircuitWord.Released(CircuitWord.BlockedUntil(token));
            if (Interlocked.CompareExchange(ref _word, released, token) == token)
            {
                AssertInvariants(released);
            }
        }
    }
}
