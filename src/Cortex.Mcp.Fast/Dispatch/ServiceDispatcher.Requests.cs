using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// The service's other requests (tools/list and the like): one protocol-neutral path beside the tool-call queue,
/// so that no operation of the facade talks to a transport on its own (DESIGN §2.1 "the facade only composes").
/// </summary>
internal sealed partial class ServiceDispatcher
{
    /// <summary>Runs one request; see <see cref="RunAsync{TState, T}"/>.</summary>
    public ValueTask<T> RunAsync<T>(string operation, Func<IMcpTransport, CancellationToken, ValueTask<T>> request, CancellationToken cancellationToken) =>
        RunAsync(operation, request, static (transport, run, token) => run(transport, token), cancellationToken);

    /// <summary>
    /// Runs one request on the current endpoint: under its lease and a breaker permit (the outcome is recorded as
    /// <see cref="FailureClassifier"/> says), within the service's call deadline (<see cref="McpServiceOptions.CallTimeout"/>
    /// of the snapshot), with failures built by <see cref="ErrorFactory"/> as <see cref="OperationKind.Request"/>.
    /// Not queued behind tool calls and not retried. Pass a static lambda and its <paramref name="state"/> so that
    /// no closure is allocated.
    /// </summary>
    /// <exception cref="OperationCanceledException">Only for <paramref name="cancellationToken"/>'s own cancellation.</exception>
    public async ValueTask<T> RunAsync<TState, T>(string operation, TState state, Func<IMcpTransport, TState, CancellationToken, ValueTask<T>> request, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw ErrorFactory.Disposed(ServiceName, operation);
        }

        if (!TryLeaseEndpoint(out var endpoint))
        {
            throw LeaseRefused(operation);
        }

        try
        {
            if (!endpoint.Breaker.TryAcquire(out var permit, out var retryAfter))
            {
                throw ErrorFactory.CircuitOpen(ServiceName, operation, retryAfter);
            }

            var outcome = BreakerOutcome.Ignored;
            var deadline = Options.CallTimeout;
            using var timeout = new CancellationTokenSource(deadline, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token, timeout.Token);
            try
            {
                var value = await request(endpoint.Transport, state, linked.Token).ConfigureAwait(false);
                outcome = BreakerOutcome.Success;
                return value;
            }
            catch (OperationCanceledException ex) when (linked.IsCancellationRequested)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    // The caller's own (never a service failure), reported with the caller's token, not the linked one.
                    throw new OperationCanceledException(ex.Message, ex, cancellationToken);
                }

                if (_shutdown.IsCancellationRequested)
                {
                    throw ErrorFactory.Disposed(ServiceName, operation, 1);
                }

                // The call deadline bounds the caller's wait; like a tool call's, it is not counted by the breaker.
                throw ErrorFactory.Deadline(ServiceName, operation, deadline, 1, ex);
            }
            catch (Exception ex)
            {
                outcome = FailureFacts.Of(ex).BreakerOutcome;
                throw ErrorFactory.FromException(ServiceName, operation, ex, 1, OperationKind.Request);
            }
            finally
            {
                Record(endpoint.Breaker, in permit, outcome);
            }
        }
        finally
        {
            endpoint.Release();
        }
    }
}
