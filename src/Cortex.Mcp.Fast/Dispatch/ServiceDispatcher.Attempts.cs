using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>One attempt of a call, its outcome, and the retry or resumption decision.</summary>
internal sealed partial class ServiceDispatcher
{
    /// <summary>
    /// Starts an attempt: takes an endpoint lease and a breaker permit. False (with the call already failed and the
    /// lease released) when no endpoint could be leased or the circuit opened while the call waited.
    /// </summary>
    /// <remarks>The attempt's one await happens in the worker loop itself, so no per-call async state machine is
    /// allocated; this method and <see cref="FinishAttempt"/> are the synchronous halves around it.</remarks>
    private bool TryBeginAttempt(PendingCall call, out ServiceEndpoint? endpoint, out CircuitPermit permit)
    {
        if (call.Attempts == 0)
        {
            Telemetry.RecordQueueWait(call.StartTimestamp);
        }

        // A retry prefers another endpoint than the one it just failed on (ignored when the service has one).
        switch (TryLeaseEndpoint(call.FailedOn, out endpoint, out permit, out var retryAfter))
        {
            case LeaseOutcome.Leased:
                call.Attempts++;
                return true;

            case LeaseOutcome.CircuitOpen:
                // Opened while the call waited: the server must see no request until the break ends.
                Fail(call, ErrorFactory.CircuitOpen(ServiceName, call.Tool, retryAfter, call.Attempts));
                return false;

            default:
                Fail(call, LeaseRefused(call.Tool, call.Attempts));
                return false;
        }
    }

    /// <summary>Settles an attempt: result, typed error, a scheduled retry or a suspension; releases the lease
    /// unless a suspension keeps it. Never throws.</summary>
    private void FinishAttempt(PendingCall call, ServiceEndpoint endpoint, in CircuitPermit permit, ToolResult? result, Exception? failure)
    {
        var keepLease = false;
        try
        {
            switch (failure)
            {
                case null:
                    endpoint.Breaker.RecordSuccess(in permit);
                    if (!call.TrySetResult(result!))
                    {
                        result!.Dispose();
                    }

                    break;

                case ResumeRequired resume:
                    // Not a failure and not a retry: the same attempt continues later on the same endpoint.
                    keepLease = Suspend(call, endpoint, in permit, resume.Resumption);
                    break;

                case OperationCanceledException when call.Token.IsCancellationRequested:
                    // Caller cancellation, deadline or disposal: never a service failure, never retried.
                    endpoint.Breaker.RecordIgnored(in permit);
                    Fail(call, call.CreateCancellationException(ServiceName, failure));
                    break;

                default:
                    OnAttemptFailed(call, endpoint, in permit, failure);
                    break;
            }
        }
        finally
        {
            if (!keepLease)
            {
                endpoint.Release();
            }
        }
    }

    private void OnAttemptFailed(PendingCall call, ServiceEndpoint endpoint, in CircuitPermit permit, Exception failure)
    {
        var facts = FailureFacts.Of(failure);
        endpoint.Breaker.Record(in permit, facts.BreakerOutcome);

        var attempt = call.Attempts;
        if (ShouldRetry(call, in facts, out var delay))
        {
            Log.CallRetrying(_logger, ServiceName, call.Tool, attempt, facts.Kind, facts.StatusCode, delay.TotalMilliseconds);
            var tool = call.Tool; // read before the CAS: afterwards the call may complete and be reused
            var version = call.Version;
            call.FailedOn = endpoint; // before the CAS: afterwards the timer may requeue it at once
            if (call.TryEnterBackoff())
            {
                RequeueTimer.Schedule(this, call, version, PendingCall.Backoff, delay, _timeProvider);

                // Counted once the timer exists, so an observer that advances time after seeing it cannot miss it.
                Interlocked.Increment(ref _retries);
                RetryScheduled?.Invoke(tool, delay);
                EndIfCanceledWhileParked(call, version, PendingCall.Backoff);
            }

            return;
        }

        // Built once, with the final attempt count (ErrorFactory; never mutated afterwards).
        var error = ErrorFactory.FromException(ServiceName, call.Tool, failure, attempt, OperationKind.Tool);
        Log.CallFailed(_logger, ServiceName, call.Tool, attempt, facts.Kind, facts.StatusCode);
        Fail(call, error);
    }

    private bool ShouldRetry(PendingCall call, in FailureFacts facts, out TimeSpan delay)
    {
        delay = default;
        if (call.Attempts > call.MaxRetries || IsDisposed)
        {
            return false;
        }

        if (!facts.IsRetryable)
        {
            return false;
        }

        // A non-idempotent tool may run twice only if the first request provably never left this process.
        if (!call.Idempotent && !facts.NotSent)
        {
            return false;
        }

        var remaining = call.Timeout - _timeProvider.GetElapsedTime(call.StartTimestamp);
        if (!RetryPolicy.TryGetRetryDelay(call.Attempts - 1, Options.Retry, _random(), facts.RetryAfter, remaining, out delay))
        {
            return false; // the wait would pass the deadline: fail now with the real cause
        }

        return _retryBudget.TryWithdrawRetry();
    }

    /// <summary>
    /// Parks a call whose reply stream broke (a worker never sleeps): it keeps the endpoint lease, the breaker permit
    /// and the resumption, and a <see cref="RequeueTimer"/> re-queues it after the resumption's delay. No retry budget,
    /// no attempt counted, no breaker outcome until the final one. True when the call now owns the lease.
    /// </summary>
    private bool Suspend(PendingCall call, ServiceEndpoint endpoint, in CircuitPermit permit, ToolCallResumption resumption)
    {
        var delay = resumption.Delay; // read before the CAS: afterwards an abandoning party may dispose it
        var tool = call.Tool;
        var version = call.Version;
        if (!call.TrySuspend(resumption, endpoint, in permit))
        {
            // Unreachable while only the worker moves a Running call; still, nothing may leak.
            resumption.Dispose();
            endpoint.Breaker.RecordIgnored(in permit);
            return false;
        }

        RequeueTimer.Schedule(this, call, version, PendingCall.Suspended, delay, _timeProvider);
        ResumptionScheduled?.Invoke(tool, delay);
        EndIfCanceledWhileParked(call, version, PendingCall.Suspended);
        return true;
    }

    /// <summary>
    /// Ends a call that was parked (backoff or suspension) after its token had already fired: the cancellation
    /// callback ran while the call was Running and left it to the worker. Accepted race: either this or the timer
    /// finds it first; the CAS lets exactly one finish it.
    /// </summary>
    private void EndIfCanceledWhileParked(PendingCall call, short version, int status)
    {
        if (call.IsIn(version, status) && call.Token.IsCancellationRequested)
        {
            call.TrySetException(call.CreateCancellationException(ServiceName), status, version);
        }
    }

    /// <summary>Releases what a suspended call held when it ends before it resumed (deadline, cancellation, disposal).</summary>
    private static void AbandonResumption(PendingCall call)
    {
        if (call.TakeResumption(out var endpoint, out var permit) is not { } resumption)
        {
            return;
        }

        resumption.Dispose();
        endpoint!.Breaker.RecordIgnored(in permit);
        endpoint.Release();
    }

    private static void Fail(PendingCall call, Exception error)
    {
        call.TrySetException(error);
    }

    /// <summary>
    /// Puts a call back in the queue after its backoff or suspension (from its timer). It is a live call again,
    /// admitted without the capacity check: a call the service already accepted is never refused by its own queue.
    /// </summary>
    internal void Requeue(PendingCall call, short version, int from)
    {
        _admission.EnterUnchecked();
        if (!call.TryRequeue(version, from))
        {
            _admission.Leave(); // finished meanwhile (deadline, cancellation, disposal)
            return;
        }

        Write(new QueuedCall(call, version));
    }
}
