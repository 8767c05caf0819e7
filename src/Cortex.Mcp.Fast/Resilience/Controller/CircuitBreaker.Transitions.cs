using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Cortex.Mcp.Fast.Resilience;

/// <summary>The breaker's slow paths: probe admission, probe outcomes, stale outcomes and invariants.</summary>
/// <remarks>Every state change here is one compare-and-swap on <c>_word</c>; see the class remarks in CircuitBreaker.cs.</remarks>
internal sealed partial class CircuitBreaker
{
    /// <summary>The open, half-open or released path of <see cref="TryAcquire"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryAcquireNotClosed(long word, out CircuitPermit permit, out TimeSpan retryAfter)
    {
        long now = _clock.Now();
        while (true)
        {
            AssertInvariants(word);
            long state = CircuitWord.StateBits(word);
            if (state == CircuitWord.ClosedBits)
            {
                permit = new CircuitPermit(CircuitWord.Token(word));
                retryAfter = TimeSpan.Zero;
                return true;
            }

            if (state != CircuitWord.ReleasedBits)
            {
                long remaining = CircuitWord.BlockedUntil(word) - now;
                if (remaining > 0)
                {
                    permit = default;
                    retryAfter = _clock.ToTimeSpan(Math.Min(remaining, _breakTimestamps));
                    return false;
                }
            }

            // The break is over, a hung probe's slot expired, or a probe gave its slot back: race for the probe.
            // Polly v7's PermitHalfOpenCircuitTest pattern: the CAS winner moves "blocked until" a break ahead, so
            // every loser sees time left and is rejected, and a probe that never reports blocks for one break only.
            long blockedUntil = Math.Max(now + _breakTimestamps, Volatile.Read(ref _probeHighWater) + 1);
            long probe = CircuitWord.HalfOpen(blockedUntil);
            long seen = Interlocked.CompareExchange(ref _word, probe, word);
            if (seen == word)
            {
                InterlockedExtremes.Max(ref _probeHighWater, CircuitWord.BlockedUntil(probe));
                if (state == CircuitWord.OpenBits)
                {
                    OnTransition(CircuitState.Open, CircuitState.HalfOpen);
                }

                permit = new CircuitPermit(probe);
                retryAfter = TimeSpan.Zero;
                return true;
            }

            word = seen; // Lost the race (or the state moved): decide again on what is there now.
        }
    }

    /// <summary>The non-trivial path of <see cref="RecordSuccess"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RecordSuccessSlow(long token)
    {
        if (!_enabled)
        {
            return;
        }

        if (CircuitWord.StateBits(token) == CircuitWord.HalfOpenBits)
        {
            CloseAfterProbe(token);
            return;
        }

        long word = Volatile.Read(ref _word);
        if (CircuitWord.Token(word) != token)
        {
            return; // A late success says nothing about the period we are in now.
        }

        _health?.Add(_clock.Now(), 1, 0);
        while (CircuitWord.Count(word) != 0)
        {
            long next = CircuitWord.WithCount(word, 0);
            long seen = Interlocked.CompareExchange(ref _word, next, word);
            if (seen == word || CircuitWord.Token(seen) != token)
            {
                return;
            }

            word = seen;
        }
    }

    /// <summary>The probe succeeded: close the circuit, unless this probe was superseded.</summary>
    private void CloseAfterProbe(long token)
    {
        if (Volatile.Read(ref _word) != token)
        {
            return; // Superseded probe: only the current probe decides.
        }

        // Reset before the CAS: while half-open nobody records into the window, so nothing is lost, and the new
        // closed period starts with an empty window (Polly resets its health metrics on close too).
        _health?.Reset();
        int generation = Interlocked.Increment(ref _generations) & CircuitWord.GenerationMask;
        long closed = CircuitWord.Closed(generation == 0 ? 1 : generation);
        if (Interlocked.CompareExchange(ref _word, closed, token) == token)
        {
            AssertInvariants(closed);
            Interlocked.Exchange(ref _openFailures, 0);
            OnTransition(CircuitState.HalfOpen, CircuitState.Closed);
        }
    }

    /// <summary>The probe failed: re-open for another break, unless this probe was superseded.</summary>
    private void FailProbe(long token)
    {
        long open = CircuitWord.Open(_clock.Now() + _breakTimestamps);
        long seen = Interlocked.CompareExchange(ref _word, open, token);
        if (seen == token)
        {
            AssertInvariants(open);
            Interlocked.Increment(ref _openFailures);
            OnTransition(CircuitState.HalfOpen, CircuitState.Open);
        }
        else
        {
            CountLateFailure(seen);
        }
    }

    /// <summary>A failure from an earlier period: counted while not closed, never a transition.</summary>
    private void CountLateFailure(long word)
    {
        if (!CircuitWord.IsClosed(word))
        {
            Interlocked.Increment(ref _openFailures);
        }
    }

    /// <summary>Counts a state change and raises the owner's hook; called only by the CAS winner.</summary>
    private void OnTransition(CircuitState from, CircuitState to)
    {
        Interlocked.Increment(ref _transitions);
        _onTransition?.Invoke(from, to);
    }

    /// <summary>Checks what every word written or read must satisfy (Debug builds only).</summary>
    [Conditional("DEBUG")]
    private void AssertInvariants(long word)
    {
        long state = CircuitWord.StateBits(word);
        if (state == CircuitWord.ClosedBits)
        {
            Debug.Assert(CircuitWord.Generation(word) != 0, "A closed word always has a generation; 0 is reserved for default permits.");
            Debug.Assert(
                _health is not null || CircuitWord.Count(word) < _failureThreshold,
                "In consecutive mode the failure that reaches the threshold opens the circuit instead of being stored.");
        }
        else
        {
            Debug.Assert(_enabled, "A disabled breaker never leaves Closed.");
            Debug.Assert(CircuitWord.BlockedUntil(word) >= 0, "Blocked-until is a non-negative clock reading.");
        }
    }
}
