using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// The service's other requests (tools/list and the like): one protocol-neutral path beside the tool-call queue, so
/// that no operation of the facade talks to a transport on its own. Each request is one <see cref="EndpointUse"/>.
/// </summary>
/// <remarks>Thread-safe and stateless beyond its dispatcher.</remarks>
internal sealed class ServiceRequests
{
    private readonly ServiceDispatcher _owner;

    public ServiceRequests(ServiceDispatcher owner) => _owner = owner;

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
    /// <param name="operation">The MCP method (the span's and the metric's <c>mcp.method.name</c>).</param>
    /// <param name="state">The request's state.</param>
    /// <param name="request">Sends the request.</param>
    /// <param name="cancellationToken">The caller's token.</param>
    /// <param name="promptName">prompts/get: the prompt's name, for telemetry.</param>
    public async ValueTask<T> RunAsync<TState, T>(string operation, TState state, Func<IMcpTransport, TState, CancellationToken, ValueTask<T>> request, CancellationToken cancellationToken, string? promptName = null)
    {
        var owner = _owner;
        if (owner.IsDisposed)
        {
            throw ErrorFactory.Disposed(owner.ServiceName, operation);
        }

        // The span is current for the rest of this async flow, so the request below carries its trace context.
        var telemetry = owner.Telemetry.StartOperation(operation, promptName, null, owner.Endpoint.Address);
        try
        {
            var use = EndpointUse.Begin(owner, operation);
            try
            {
                var deadline = owner.Options.CallTimeout;
                using var timeout = new CancellationTokenSource(deadline, owner.TimeProvider);
                using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, owner.ShutdownToken, timeout.Token);
                try
                {
                    var value = await request(use.Transport, state, linked.Token).ConfigureAwait(false);
                    use.Outcome = BreakerOutcome.Success;
                    owner.Telemetry.EndOperation(in telemetry, null);
                    return value;
                }
                catch (OperationCanceledException ex) when (linked.IsCancellationRequested)
                {
                    if (cancellationToken.IsCancellationRequested)
                    {
                        // The caller's own (never a service failure), reported with the caller's token, not the linked one.
                        throw new OperationCanceledException(ex.Message, ex, cancellationToken);
                    }

                    if (owner.ShutdownToken.IsCancellationRequested)
                    {
                        throw ErrorFactory.Disposed(owner.ServiceName, operation, 1);
                    }

                    // The call deadline bounds the caller's wait; like a tool call's, it is not counted by the breaker.
                    throw ErrorFactory.Deadline(owner.ServiceName, operation, deadline, 1, ex);
                }
                catch (Exception ex)
                {
                    use.Outcome = FailureFacts.Of(ex).BreakerOutcome;
                    throw ErrorFactory.FromException(owner.ServiceName, operation, ex, 1, OperationKind.Request);
                }
            }
            finally
            {
                use.End();
            }
        }
        catch (Exception ex)
        {
            owner.Telemetry.EndOperation(in telemetry, ex);
            throw;
        }
    }
}
