namespace Cortex.Mcp.Fast.Errors;

/// <summary>
/// What a failure means for retries and for the circuit breaker. The one place that knows which HTTP statuses and
/// JSON-RPC codes are transient; the resilience engine itself knows no HTTP.
/// </summary>
internal static class FailureClassifier
{
    /// <summary>Whether a failed attempt may be retried.</summary>
    /// <returns>True for connect failures, timeouts, network errors and the statuses 408, 429, 502, 503 and 504.
    /// Never for other statuses, protocol or tool errors, JSON-RPC errors, or cancellation.</returns>
    /// <remarks>Retrying a non-idempotent call also needs the request to be provably unsent.</remarks>
    public static bool IsRetryable(FailureKind kind, int httpStatus) => kind switch
    {
        FailureKind.ConnectFailure or FailureKind.Timeout or FailureKind.NetworkError => true,
        FailureKind.HttpStatus => httpStatus is 408 or 429 or 502 or 503 or 504,
        _ => false,
    };

    /// <summary>Whether a failed attempt counts as a failure of the service for its circuit breaker.</summary>
    /// <returns>True for connect failures, network errors, timeouts, protocol errors, other unexpected failures,
    /// any 5xx, 408 and 429, and JSON-RPC -32603 (internal error). False for cancellation, tool errors, other
    /// statuses and other JSON-RPC errors: the service answered, so it is alive (see <see cref="ServiceAnswered"/>).</returns>
    /// <remarks>A protocol error counts: a service that answers garbage is not healthy.</remarks>
    public static bool IsBreakerFailure(FailureKind kind, int httpStatus, long jsonRpcCode = 0) => kind switch
    {
        FailureKind.ConnectFailure or FailureKind.Timeout => true,
        FailureKind.ProtocolError or FailureKind.Other or FailureKind.NetworkError => true,
        FailureKind.HttpStatus => httpStatus is >= 500 and <= 599 or 408 or 429,
        FailureKind.JsonRpcError => jsonRpcCode == Transports.StreamableHttp.JsonRpcErrorCodes.InternalError,
        _ => false,
    };

    /// <summary>Whether the service answered (a status, a tool error, a JSON-RPC error): proof that it is alive,
    /// recorded as a success by the breaker when it is not a <see cref="IsBreakerFailure">breaker failure</see>.</summary>
    public static bool ServiceAnswered(FailureKind kind) =>
        kind is FailureKind.ToolError or FailureKind.HttpStatus or FailureKind.JsonRpcError;

    /// <summary>Whether the request provably never reached the server, so that even a non-idempotent call may be
    /// retried (StackExchange.Redis's "a backlogged message has provably never been written").</summary>
    public static bool IsProvablyNotSent(FailureKind kind) => kind is FailureKind.ConnectFailure;
}
