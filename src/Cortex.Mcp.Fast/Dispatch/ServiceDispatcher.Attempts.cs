using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>One attempt of a call, its outcome, and the retry decision.</summary>
internal sealed partial class ServiceDispatcher
{
    /// <summary>
    /// Starts an attempt: takes an endpoint lease and a breaker permit. False (with the call already failed and the
    /// lease released) when the circuit opened while the call waited.
    /// </summary>
    /// <remarks>The attempt's one await happens in the worker loop itself, so no per-call async state machine is
    /// allocated; this method and <see cref="FinishAttempt"/> are the synchronous halves around it.</remarks>
    private bool TryBeginAttempt(PendingCall call, out ServiceEndpoint endpoint, out CircuitPermit permit)
    {
        var attempt = ++call.Attempts;
        if (attempt == 1 && McpTelemetry.QueueWait.Enabled)
        {
            McpTelemetry.QueueWait.Record(_timeProvider.GetElapsedTime(call.StartTimestamp).TotalSeconds, _serviceTag);
        }

        while (!(endpoint = Endpoint).TryAcquire())
        {
            // The endpoint drained between the read and the lease: a newer one is current by now.
        }

        if (endpoint.Breaker.TryAcquire(out permit, out var retryAfter))
        {
            return true;
        }

        // Opened while the call waited: the server must see no request until the break ends.
        endpoint.Release();
        Fail(call, new CircuitOpenException(ServiceName, call.Tool, retryAfter) { Attempts = attempt - 1 });
        return false;
    }

    /// <summary>Settles an attempt: result, typed error, or a scheduled retry; releases the lease. Never throws.</summary>
    private void FinishAttempt(PendingCall call, ServiceEndpoint endpoint, in CircuitPermit permit, ToolResult? result, Exception? failure)
    {
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

                case OperationCanceledException when call.Token.IsCancellationRequested:
                    // Caller cancellation, deadline or disposal: never a service failure, never retried.
                    endpoint.Breaker.RecordIgnored(in permit);
                    Fail(call, call.CreateCancellationException(ServiceName, failure));
                    break;

                case ServiceCallException typed:
                    OnAttemptFailed(call, endpoint, in permit, typed);
                    break;

                case TransportFailure reported:
                    OnAttemptFailed(call, endpoint, in permit, ErrorFactory.FromFailure(ServiceName, call.Tool, reported, 0, OperationKind.Tool));
                    break;

                default:
                    // A transport broke its contract; still a typed error for the caller.
                    OnAttemptFailed(call, endpoint, in permit, new ServiceCallException(ServiceName, call.Tool, $"Call to '{ServiceName}/{call.Tool}' failed unexpectedly.", FailureKind.Other, failure));
                    break;
            }
        }
        finally
        {
            endpoint.Release();
        }
    }

    private void OnAttemptFailed(PendingCall call, ServiceEndpoint endpoint, in CircuitPermit permit, ServiceCallException error)
    {
        if (FailureClassifier.IsBreakerFailure(error.FailureKind, error.StatusCode))
        {
            endpoint.Breaker.RecordFailure(in permit);
        }
        else if (error.FailureKind == FailureKind.ToolError || error.FailureKind == FailureKind.HttpStatus)
        {
            // The service answered: it is alive, whatever it thought of this request.
            endpoint.Breaker.RecordSuccess(in permit);
        }
        else
        {
            endpoint.Breaker.RecordIgnored(in permit);
        }

        var attempt = call.Attempts;
        if (ShouldRetry(call, error, out var delay))
        {
            Log.CallRetrying(_logger, ServiceName, call.Tool, attempt, error.FailureKind, error.StatusCode, delay.TotalMilliseconds);
            if (call.TryEnterBackoff())
            {
                var tool = call.Tool; // read before the timer exists: afterwards the call may complete and be reused
                RetryTimer.Schedule(this, call, delay, _timeProvider);

                // Counted once the timer exists, so an observer that advances time after seeing it cannot miss it.
                Interlocked.Increment(ref _retries);
                McpTelemetry.Retries.Add(1, _serviceTag);
                RetryScheduled?.Invoke(tool, delay);
            }

            return;
        }

        error.Attempts = attempt;
        Log.CallFailed(_logger, ServiceName, call.Tool, attempt, error.FailureKind, error.StatusCode);
        Fail(call, error);
    }

    private bool ShouldRetry(PendingCall call, ServiceCallException error, out TimeSpan delay)
    {
        delay = default;
        if (call.Attempts > call.MaxRetries || Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        if (!FailureClassifier.IsRetryable(error.FailureKind, error.StatusCode))
        {
            return false;
        }

        // A non-idempotent tool may run twice only if the first request provably never left this process.
        if (!call.Idempotent && !error.RequestNotSent)
        {
            return false;
        }

        var remaining = call.Timeout - _timeProvider.GetElapsedTime(call.StartTimestamp);
        if (!RetryPolicy.TryGetRetryDelay(call.Attempts - 1, Options.Retry, _random(), error.RetryAfter, remaining, out delay))
        {
            return false; // the wait would pass the deadline: fail now with the real cause
        }

        return _retryBudget.TryWithdrawRetry();
    }

    private static void Fail(PendingCall call, Exception error)
    {
        call.TrySetException(error);
    }

    /// <summary>Puts a call back in the queue after its backoff (from the retry timer).</summary>
    private void Requeue(PendingCall call, short version)
    {
        if (!call.TryRequeue(version))
        {
            return; // finished meanwhile (deadline, cancellation, disposal)
        }

        var item = new QueuedCall(call, version);
        if (!TryWrite(item))
        {
            _ = WriteWhenRoomAsync(item);
        }
    }

    /// <summary>A one-shot timer for one backoff. Retries are the exception, so one small object each is fine.</summary>
    private sealed class RetryTimer
    {
        private readonly ServiceDispatcher _owner;
        private readonly PendingCall _call;
        private readonly short _version;
        private ITimer? _timer;

        private RetryTimer(ServiceDispatcher owner, PendingCall call)
        {
            _owner = owner;
            _call = call;
            _version = call.Version;
        }

        public static void Schedule(ServiceDispatcher owner, PendingCall call, TimeSpan delay, TimeProvider timeProvider)
        {
            var state = new RetryTimer(owner, call);
            var timer = timeProvider.CreateTimer(static s => ((RetryTimer)s!).Fire(), state, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            state._timer = timer;
            timer.Change(delay, Timeout.InfiniteTimeSpan);
        }

        private void Fire()
        {
            _timer?.Dispose();
            _owner.Requeue(_call, _version);
        }
    }
}
