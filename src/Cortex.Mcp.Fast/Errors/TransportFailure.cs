using System.Diagnostics.CodeAnalysis;

namespace Cortex.Mcp.Fast.Errors;

/// <summary>
/// What went wrong in one attempt, as a lower layer (transport, session, stream reader) saw it, in a compact,
/// protocol-neutral form: the failure kind, the HTTP status, the JSON-RPC code, whether the request provably never
/// left this process, the server's <c>Retry-After</c>, and a short sanitised detail. It names no service and no
/// operation: only <see cref="ErrorFactory"/> builds the public exception, with those names, once per caller.
/// </summary>
/// <remarks>
/// Immutable, so one instance may be shared by several callers (for example a failed session start awaited by
/// every call that wanted the session); each caller still gets an exception of its own from the factory.
/// <see cref="Exception.Message"/> is the detail: sanitised (no control characters, bounded) and free of secrets.
/// </remarks>
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "Internal; built only through the factory methods.")]
[SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "Never escapes the library: the dispatcher turns it into a public exception.")]
internal sealed class TransportFailure : Exception
{
    private TransportFailure(FailureShape shape, FailureKind kind, string detail, Exception? cause)
        : base(detail, cause)
    {
        Shape = shape;
        Kind = kind;
    }

    /// <summary>Which public exception this becomes.</summary>
    public FailureShape Shape { get; }

    /// <summary>How the failure is classified for retries and the breaker.</summary>
    public FailureKind Kind { get; }

    /// <summary>The HTTP status of the failed response (or of the reply that carried a JSON-RPC error); 0 when none.</summary>
    public int StatusCode { get; private init; }

    /// <summary>The JSON-RPC error code when <see cref="Shape"/> is <see cref="FailureShape.JsonRpcError"/>.</summary>
    public long JsonRpcCode { get; private init; }

    /// <summary>True when the request provably never left this process (safe to retry even when not idempotent).</summary>
    public bool NotSent { get; private init; }

    /// <summary>The server's <c>Retry-After</c>, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; private init; }

    /// <summary>Which limit fired, when <see cref="Shape"/> is <see cref="FailureShape.Timeout"/>.</summary>
    public TimeoutLimit Limit { get; private init; }

    /// <summary>The configured value of <see cref="Limit"/>.</summary>
    public TimeSpan LimitValue { get; private init; }

    /// <summary>The tool result's content as JSON text, when <see cref="Shape"/> is <see cref="FailureShape.ToolError"/>.</summary>
    public string? ContentJson { get; private init; }

    /// <summary>True when the server no longer knows the MCP session (the request was not executed).</summary>
    public bool SessionLost { get; private init; }

    /// <summary>No connection could be made: the request never left.</summary>
    public static TransportFailure ConnectFailed(string detail, Exception? cause) =>
        new(FailureShape.General, FailureKind.ConnectFailure, detail, cause) { NotSent = true };

    /// <summary>The connection broke after the request may have reached the server.</summary>
    public static TransportFailure Network(string detail, Exception? cause = null) =>
        new(FailureShape.General, FailureKind.NetworkError, detail, cause);

    /// <summary>A non-success HTTP status.</summary>
    public static TransportFailure Status(int status, string detail, TimeSpan? retryAfter = null) =>
        new(FailureShape.General, FailureKind.HttpStatus, detail, null) { StatusCode = status, RetryAfter = retryAfter };

    /// <summary>The server no longer knows the session (404, or a 400 that says so): the request was not executed.</summary>
    public static TransportFailure LostSession(int status, string detail) =>
        new(FailureShape.General, FailureKind.HttpStatus, detail, null) { StatusCode = status, SessionLost = true };

    /// <summary>The server broke the protocol (bad JSON or framing, wrong content type, a size limit).</summary>
    public static TransportFailure Protocol(string detail, Exception? cause = null, int status = 0) =>
        new(FailureShape.Protocol, FailureKind.ProtocolError, detail, cause) { StatusCode = status };

    /// <summary>A time limit other than the call's own deadline fired (connect, stream open, stall).</summary>
    public static TransportFailure TimedOut(TimeoutLimit limit, TimeSpan value, string detail, Exception? cause = null, bool notSent = false) =>
        new(FailureShape.Timeout, FailureKind.Timeout, detail, cause) { Limit = limit, LimitValue = value, NotSent = notSent };

    /// <summary>The tool ran and reported an error (<c>isError: true</c>).</summary>
    public static TransportFailure ToolFailed(string detail, string? contentJson) =>
        new(FailureShape.ToolError, FailureKind.ToolError, detail, null) { ContentJson = contentJson };

    /// <summary>The server answered with a JSON-RPC error object.</summary>
    public static TransportFailure JsonRpc(long code, string detail, int httpStatus) =>
        new(FailureShape.JsonRpcError, FailureKind.JsonRpcError, detail, null) { JsonRpcCode = code, StatusCode = httpStatus };

    /// <summary>The operation does not exist for this protocol; nothing was sent.</summary>
    public static TransportFailure NotSupported(string detail) =>
        new(FailureShape.NotSupported, FailureKind.Other, detail, null) { NotSent = true };

    /// <summary>The request could not be built (bad arguments, a name refused by the protocol); nothing was sent.</summary>
    public static TransportFailure Refused(string detail, Exception? cause = null) =>
        new(FailureShape.Refused, FailureKind.Other, detail, cause) { NotSent = true };

    /// <summary>A name or path was refused before any I/O.</summary>
    public static TransportFailure InvalidTarget(string reason) =>
        new(FailureShape.InvalidTarget, FailureKind.Other, reason, null) { NotSent = true };

    /// <summary>The TLS handshake failed (a configuration problem, not transient); nothing was sent.</summary>
    public static TransportFailure Tls(string detail, Exception? cause) =>
        new(FailureShape.General, FailureKind.Other, detail, cause) { NotSent = true };

    /// <summary>The transport was disposed under the request.</summary>
    public static TransportFailure Disposed() =>
        new(FailureShape.Disposed, FailureKind.Canceled, "The client was disposed.", null);

    /// <summary>Anything else (an unexpected exception).</summary>
    public static TransportFailure Unexpected(string detail, Exception? cause) =>
        new(FailureShape.General, FailureKind.Other, detail, cause);

    /// <summary>
    /// This failure as a network error that keeps its status: for a request that may already have run (a resumed
    /// reply whose GET failed), so that only an idempotent call is retried.
    /// </summary>
    public TransportFailure AsNetworkFailure(string detail) =>
        new(FailureShape.General, FailureKind.NetworkError, detail, this) { StatusCode = StatusCode };

    /// <summary>The same failure with a detail that says more (for example where it happened); everything else kept.</summary>
    public TransportFailure WithDetail(string detail) =>
        new(Shape, Kind, detail, InnerException)
        {
            StatusCode = StatusCode,
            JsonRpcCode = JsonRpcCode,
            NotSent = NotSent,
            RetryAfter = RetryAfter,
            Limit = Limit,
            LimitValue = LimitValue,
            ContentJson = ContentJson,
            SessionLost = SessionLost,
        };
}
