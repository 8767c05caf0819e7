namespace Cortex.Mcp.Fast;

/// <summary>How a call attempt failed (<see cref="ServiceCallException.FailureKind"/>); it decides whether the call is
/// retried and whether it counts against the service's circuit breaker.</summary>
public enum FailureKind
{
    /// <summary>The attempt did not fail.</summary>
    None = 0,

    /// <summary>No connection could be made (refused, unreachable, DNS, TLS handshake). A connect that takes too long is a <see cref="Timeout"/> with <see cref="TimeoutLimit.Connect"/>. The
    /// request provably never reached the server.</summary>
    ConnectFailure = 1,

    /// <summary>The attempt ran out of time after the request may have been sent.</summary>
    Timeout = 3,

    /// <summary>The server answered with a non-success HTTP status (see <see cref="ServiceCallException.StatusCode"/>).</summary>
    HttpStatus = 4,

    /// <summary>The server's reply broke the protocol: bad JSON or framing, or a size or depth limit exceeded.</summary>
    ProtocolError = 5,

    /// <summary>The tool ran and reported an error (<c>isError: true</c>): the service itself is healthy.</summary>
    ToolError = 6,

    /// <summary>The caller cancelled: never the service's fault.</summary>
    Canceled = 7,

    /// <summary>Any other failure (an unexpected exception, a TLS certificate rejected by policy).</summary>
    Other = 8,

    /// <summary>The connection broke after the request may have reached the server (a reset before or while the
    /// response arrived, a truncated body). Transient, but the tool may have run: retried only when idempotent.</summary>
    NetworkError = 9,

    /// <summary>The server answered the request with a JSON-RPC error object (see <see cref="McpErrorException.ErrorCode"/>):
    /// the service is alive; only -32603 (internal error) counts against the circuit breaker.</summary>
    JsonRpcError = 10,
}
