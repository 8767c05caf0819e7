namespace Cortex.Mcp.Fast.Errors;

/// <summary>What the circuit breaker makes of one finished attempt.</summary>
internal enum BreakerOutcome : byte
{
    /// <summary>Says nothing about the service's health (cancellation, a refusal before any I/O).</summary>
    Ignored,

    /// <summary>The service answered: it is alive, whatever it thought of the request.</summary>
    Success,

    /// <summary>Counts against the service.</summary>
    Failure,
}

/// <summary>
/// The facts of one failed attempt that retry and breaker decisions need, read from a <see cref="TransportFailure"/>
/// or (transitional) from a ready-made <see cref="ServiceCallException"/> a transport still throws: the failure kind,
/// the HTTP status, the JSON-RPC code, whether the request provably never left, the server's Retry-After, and
/// whether the failure happened before any I/O for a reason that says nothing about the service (an operation the
/// protocol does not have, a refused name or path, disposal).
/// </summary>
internal readonly record struct FailureFacts(FailureKind Kind, int StatusCode, long JsonRpcCode, bool NotSent, TimeSpan? RetryAfter, bool Local)
{
    /// <summary>The facts of <paramref name="exception"/>, whatever layer threw it.</summary>
    public static FailureFacts Of(Exception exception) => exception switch
    {
        TransportFailure failure => new(
            failure.Kind,
            failure.StatusCode,
            failure.JsonRpcCode,
            failure.NotSent,
            failure.RetryAfter,
            failure.Shape is FailureShape.NotSupported or FailureShape.InvalidTarget or FailureShape.Refused or FailureShape.Disposed),
        McpErrorException rpc => new(rpc.FailureKind, rpc.StatusCode, rpc.ErrorCode, rpc.RequestNotSent, rpc.RetryAfter, false),
        ClientDisposedException disposed => new(disposed.FailureKind, 0, 0, disposed.RequestNotSent, null, true),
        InvalidToolNameException or InvalidResourcePathException => new(FailureKind.Other, 0, 0, true, null, true),
        ServiceCallException legacy => new(legacy.FailureKind, legacy.StatusCode, 0, legacy.RequestNotSent, legacy.RetryAfter, false),
        OperationCanceledException => new(FailureKind.Canceled, 0, 0, false, null, true),
        _ => new(FailureKind.Other, 0, 0, false, null, false),
    };

    /// <summary>Whether the attempt may be retried (a non-idempotent call also needs <see cref="NotSent"/>).</summary>
    public bool IsRetryable => !Local && FailureClassifier.IsRetryable(Kind, StatusCode);

    /// <summary>What the breaker records for this attempt.</summary>
    public BreakerOutcome BreakerOutcome =>
        Local ? BreakerOutcome.Ignored
        : FailureClassifier.IsBreakerFailure(Kind, StatusCode, JsonRpcCode) ? BreakerOutcome.Failure
        : FailureClassifier.ServiceAnswered(Kind) ? BreakerOutcome.Success
        : BreakerOutcome.Ignored;
}
