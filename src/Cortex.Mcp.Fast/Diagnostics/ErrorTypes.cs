using System.Globalization;

namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>
/// The <c>error.type</c> of a failed operation: low-cardinality values documented in the README's telemetry section.
/// </summary>
/// <remarks>
/// A JSON-RPC error is its code (the conventions' rule), an HTTP status is the status code (the HTTP client
/// conventions' rule), a failure of the client's own making has a snake-case name, and anything unclassified is the
/// exception's full type name. Only the failure path calls this.
/// </remarks>
internal static class ErrorTypes
{
    public const string Timeout = "timeout";
    public const string Canceled = "canceled";
    public const string CircuitOpen = "circuit_open";
    public const string QueueFull = "queue_full";
    public const string ClientDisposed = "client_disposed";
    public const string ToolError = "tool_error";
    public const string ConnectFailure = "connect_failure";
    public const string NetworkError = "network_error";
    public const string ProtocolError = "protocol_error";
    public const string JsonRpcError = "jsonrpc_error";
    public const string Other = "_OTHER";

    public static string Of(Exception error) => error switch
    {
        McpErrorException mcp => mcp.ErrorCode.ToString(CultureInfo.InvariantCulture),
        CircuitOpenException => CircuitOpen,
        QueueFullException => QueueFull,
        CallTimeoutException => Timeout,
        ClientDisposedException => ClientDisposed,
        ServiceCallException call => Of(call),
        OperationCanceledException => Canceled,
        _ => error.GetType().FullName ?? Other,
    };

    private static string Of(ServiceCallException error) => error.FailureKind switch
    {
        FailureKind.HttpStatus when error.StatusCode > 0 => error.StatusCode.ToString(CultureInfo.InvariantCulture),
        FailureKind.Timeout => Timeout,
        FailureKind.Canceled => Canceled,
        FailureKind.ToolError => ToolError,
        FailureKind.ConnectFailure => ConnectFailure,
        FailureKind.NetworkError => NetworkError,
        FailureKind.ProtocolError => ProtocolError,
        FailureKind.JsonRpcError => JsonRpcError,
        _ => error.InnerException?.GetType().FullName ?? error.GetType().FullName ?? Other,
    };
}
