namespace Cortex.Mcp.Fast.Errors;

/// <summary>
/// Builds every public exception of the library, in one place (StackExchange.Redis's <c>ExceptionFactory</c>).
/// Lower layers report what happened as a <see cref="TransportFailure"/>; the dispatcher and the facade, which know
/// the service and the operation, turn it into the caller's own exception here, with the attempt count final at
/// construction. No layer re-wraps or mutates another's exception.
/// </summary>
internal static class ErrorFactory
{
    /// <summary>The public exception of a reported failure.</summary>
    public static ServiceCallException FromFailure(string service, string operation, TransportFailure failure, int attempts, OperationKind kind)
    {
        var detail = failure.Message;
        var streamed = kind is OperationKind.Resource or OperationKind.Subscription;
        switch (failure.Shape)
        {
            case FailureShape.Disposed:
                return Disposed(service, operation, attempts);
            case FailureShape.InvalidTarget:
                return streamed
                    ? new InvalidResourcePathException(service, operation, detail) { Attempts = attempts }
                    : new InvalidToolNameException(service, operation, detail) { Attempts = attempts };
        }

        if (streamed)
        {
            return new ResourceStreamException(service, operation, Describe(service, operation, kind, detail), failure.Kind, failure.InnerException ?? failure)
            {
                StatusCode = failure.StatusCode,
                RetryAfter = failure.RetryAfter,
                RequestNotSent = failure.NotSent,
                Attempts = attempts,
            };
        }

        var message = Describe(service, operation, kind, detail);
        var cause = failure.InnerException;
        return failure.Shape switch
        {
            FailureShape.Protocol => new ServiceProtocolException(service, operation, message, cause)
            {
                StatusCode = failure.StatusCode,
                Attempts = attempts,
            },
            FailureShape.Timeout => new CallTimeoutException(service, operation, failure.Limit, failure.LimitValue, cause)
            {
                RequestNotSent = failure.NotSent,
                Attempts = attempts,
            },
            FailureShape.ToolError => new ToolErrorException(service, operation, message, failure.ContentJson) { Attempts = attempts },
            FailureShape.JsonRpcError => new McpErrorException(service, operation, failure.JsonRpcCode, message)
            {
                StatusCode = failure.StatusCode,
                Attempts = attempts,
            },
            _ => new ServiceCallException(service, operation, message, failure.Kind, cause)
            {
                StatusCode = failure.StatusCode,
                RetryAfter = failure.RetryAfter,
                RequestNotSent = failure.NotSent,
                Attempts = attempts,
            },
        };
    }

    /// <summary>
    /// The public exception of anything a lower layer threw: a <see cref="TransportFailure"/> is built as above; an
    /// exception of ours (transitional: a transport that still throws ready-made exceptions) passes with the final
    /// attempt count (see <see cref="WithAttempts"/>); anything else is a contract breach, still reported typed.
    /// </summary>
    public static ServiceCallException FromException(string service, string operation, Exception exception, int attempts, OperationKind kind) => exception switch
    {
        TransportFailure failure => FromFailure(service, operation, failure, attempts, kind),
        ServiceCallException ours => WithAttempts(ours, attempts),
        _ => FromFailure(service, operation, TransportFailure.Unexpected($"failed unexpectedly ({exception.GetType().Name})", exception), attempts, kind),
    };

    /// <summary>
    /// Transitional, for a ready-made exception a transport still throws instead of a <see cref="TransportFailure"/>:
    /// the same exception when its attempt count is already <paramref name="attempts"/>, else a copy of it (same
    /// type and fields) carrying that count. The original is never mutated (it may be shared by several callers,
    /// for example a failed session start). Goes away when every transport reports <see cref="TransportFailure"/>.
    /// </summary>
    public static ServiceCallException WithAttempts(ServiceCallException exception, int attempts) =>
        exception.Attempts == attempts ? exception : exception.WithAttempts(attempts);

    /// <summary>
    /// No usable endpoint could be leased: the service's endpoint kept changing under the request (it is retried
    /// a bounded number of times first). Nothing was sent.
    /// </summary>
    public static ServiceCallException EndpointUnavailable(string service, string operation, int attempts = 0) =>
        new(service, operation, $"Service '{service}' has no usable endpoint for '{operation}' right now (it kept changing).", FailureKind.Other)
        {
            RequestNotSent = true,
            Attempts = attempts,
        };

    /// <summary>An operation ended with an exception that is none of ours (a contract breach below); still typed.</summary>
    public static ServiceCallException Unexpected(string service, string operation, Exception cause, int attempts = 0) =>
        new(service, operation, $"'{service}/{operation}' failed unexpectedly ({cause.GetType().Name}).", FailureKind.Other, cause) { Attempts = attempts };

    /// <summary>The breaker refused the call without any I/O.</summary>
    public static CircuitOpenException CircuitOpen(string service, string operation, TimeSpan retryAfter, int attempts = 0) =>
        new(service, operation, retryAfter) { Attempts = attempts };

    /// <summary>The call queue is full and the service fails fast.</summary>
    public static QueueFullException QueueFull(string service, string operation, int capacity) =>
        new(service, operation, capacity, QueueRefusalReason.QueueFull, $"The call queue of service '{service}' is full ({capacity} calls).");

    /// <summary>The call queue is overloaded (calls wait past the shedding target) and shed this call before its
    /// first attempt; the same type as a full queue, since for the caller it is the same answer: refused, nothing sent.</summary>
    public static QueueFullException QueueShed(string service, string operation, int capacity) =>
        new(service, operation, capacity, QueueRefusalReason.QueueingDelay, $"The call queue of service '{service}' is overloaded: the call waited past the shedding target and was shed before it was sent.");

    /// <summary>The call queue is full and the bound on callers waiting for room is reached (wait mode).</summary>
    public static QueueFullException QueueWaiterLimit(string service, string operation, int capacity, int maxWaiters) =>
        new(service, operation, capacity, QueueRefusalReason.WaiterLimit, $"The call queue of service '{service}' is full ({capacity} calls) and {maxWaiters} callers already wait for room.");

    /// <summary>The call queue holds calls but no worker has taken one for the shedding interval: shed on arrival.</summary>
    public static QueueFullException QueueStalled(string service, string operation, int capacity) =>
        new(service, operation, capacity, QueueRefusalReason.Stalled, $"The call queue of service '{service}' is stalled (no call taken for the shedding interval): the call was shed before it was sent.");

    /// <summary>The client was disposed before or while the operation ran.</summary>
    public static ClientDisposedException Disposed(string service, string operation, int attempts = 0) =>
        new(service, operation) { Attempts = attempts };

    /// <summary>The call's own deadline passed.</summary>
    public static CallTimeoutException Deadline(string service, string operation, TimeSpan deadline, int attempts, Exception? cause = null) =>
        new(service, operation, TimeoutLimit.CallDeadline, deadline, cause) { Attempts = attempts };

    /// <summary>A tool name refused before any I/O.</summary>
    public static InvalidToolNameException InvalidToolName(string service, string tool, string reason) => new(service, tool, reason);

    /// <summary>A resource path or URI refused before any I/O.</summary>
    public static InvalidResourcePathException InvalidResourcePath(string service, string path, string reason) => new(service, path, reason);

    /// <summary>The arguments could not be serialised; nothing was sent.</summary>
    public static ServiceCallException BadArguments(string service, string tool, string detail, Exception cause) =>
        new(service, tool, $"The arguments of '{service}/{tool}' could not be serialised: {detail}", FailureKind.Other, cause) { RequestNotSent = true };

    /// <summary>Discovery does not know the service.</summary>
    public static ServiceNotFoundException ServiceNotFound(string service, string operation) => new(service, operation);

    /// <summary>An endpoint from discovery is refused by the service's endpoint policy.</summary>
    public static EndpointRefusedException EndpointRefused(string service, string operation, string reason) => new(service, operation, reason);

    /// <summary>Discovery failed (threw, or returned an endpoint that cannot be used); the next call resolves again.</summary>
    public static ServiceCallException DiscoveryFailed(string service, string operation, string detail, Exception? cause) =>
        new(service, operation, $"Resolving service '{service}' failed: {detail}", FailureKind.Other, cause) { RequestNotSent = true };

    /// <summary>No stream slot became free in time.</summary>
    public static ResourceStreamException NoStreamSlot(string service, string path, TimeSpan openTimeout) =>
        new(service, path, $"No stream slot of service '{service}' became free within {openTimeout.TotalMilliseconds:F0} ms.", FailureKind.Timeout) { RequestNotSent = true };

    /// <summary>The operation does not exist for the service's protocol.</summary>
    public static ServiceCallException NotSupported(string service, string operation, string detail) =>
        new(service, operation, $"Service '{service}': {detail}", FailureKind.Other) { RequestNotSent = true };

    /// <summary>The result of a typed call does not match the requested type.</summary>
    public static ServiceProtocolException ResultMismatch(string service, string tool, string typeName, Exception cause) =>
        new(service, tool, $"The result of '{service}/{tool}' does not match {typeName}.", cause);

    private static string Describe(string service, string operation, OperationKind kind, string detail) => kind switch
    {
        OperationKind.Tool => $"Call to '{service}/{operation}' failed: {detail}",
        OperationKind.Resource => $"Resource '{operation}' of service '{service}' failed: {detail}",
        OperationKind.Subscription => $"Subscription to '{operation}' of service '{service}' failed: {detail}",
        _ => $"Request '{operation}' to service '{service}' failed: {detail}",
    };
}
