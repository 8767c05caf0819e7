namespace Cortex.Mcp.Fast.Errors;

/// <summary>Which public exception a <see cref="TransportFailure"/> becomes (the <see cref="ErrorFactory"/> decides the type from it).</summary>
internal enum FailureShape : byte
{
    /// <summary>A plain <see cref="ServiceCallException"/> (network error, HTTP status, connect failure…).</summary>
    General,

    /// <summary>The server broke the protocol: <see cref="ServiceProtocolException"/>.</summary>
    Protocol,

    /// <summary>A time limit fired: <see cref="CallTimeoutException"/> with <see cref="TransportFailure.Limit"/>.</summary>
    Timeout,

    /// <summary>The tool ran and reported an error: <see cref="ToolErrorException"/>.</summary>
    ToolError,

    /// <summary>The server answered with a JSON-RPC error object: <see cref="McpErrorException"/>.</summary>
    JsonRpcError,

    /// <summary>The operation does not exist for the service's protocol (for example tools/list over REST); nothing was sent.</summary>
    NotSupported,

    /// <summary>The name or path was refused before any I/O.</summary>
    InvalidTarget,

    /// <summary>The request could not be built (bad arguments); nothing was sent and the service is not to blame.</summary>
    Refused,

    /// <summary>The client (or the transport) was disposed: <see cref="ClientDisposedException"/>.</summary>
    Disposed,
}
