namespace Cortex.Mcp.Fast;

/// <summary>
/// The base of every failure a caller of <see cref="NetworkMcpClient"/> can see: names the service, the tool (or
/// resource path), how many attempts were made and the cause. Raw transport exceptions
/// (<see cref="System.Net.Http.HttpRequestException"/>, <see cref="IOException"/>,
/// <see cref="System.Net.Sockets.SocketException"/>, <see cref="System.Text.Json.JsonException"/>) never escape on
/// their own; they ride in <see cref="Exception.InnerException"/>.
/// </summary>
/// <remarks>Messages never contain bearer tokens or session ids: server-supplied text is sanitised and secrets are masked.</remarks>
public class ServiceCallException : Exception
{
    private int _attempts;

    /// <summary>Creates an exception for a failed call.</summary>
    /// <param name="service">The logical service name.</param>
    /// <param name="tool">The tool name, or the resource path for streams.</param>
    /// <param name="message">What went wrong, without secrets.</param>
    /// <param name="kind">How the failure is classified for retry and circuit-breaking decisions.</param>
    /// <param name="innerException">The underlying cause, if any.</param>
    internal ServiceCallException(string service, string tool, string message, FailureKind kind = FailureKind.Other, Exception? innerException = null)
        : base(message, innerException)
    {
        Service = service;
        Tool = tool;
        FailureKind = kind;
    }

    /// <summary>The logical service name the call was addressed to.</summary>
    public string Service { get; }

    /// <summary>The tool name (or resource path for <see cref="ResourceStreamException"/>).</summary>
    public string Tool { get; }

    /// <summary>How the failure was classified (drives retry and breaker decisions).</summary>
    public FailureKind FailureKind { get; }

    /// <summary>The HTTP status code of the failed response, or 0 when no response was received.</summary>
    public int StatusCode { get; internal init; }

    /// <summary>The number of attempts made before the call failed (0 when it never reached a worker).</summary>
    /// <remarks>Final when the exception is built: the library creates the exception once the count is known and
    /// never changes it afterwards.</remarks>
    public int Attempts
    {
        get => _attempts;
        init => _attempts = value;
    }

    /// <summary>
    /// <see langword="true"/> when the request provably never left this process (connect failure, rejected before
    /// send), so retrying is safe even for a non-idempotent tool.
    /// </summary>
    public bool RequestNotSent { get; internal init; }

    /// <summary>The server's <c>Retry-After</c> hint, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; internal init; }

    /// <summary>
    /// A copy of this exception (same type, message, cause and fields) with another attempt count; the original is
    /// left untouched, so an exception shared by several callers is never mutated. Transitional: only for
    /// exceptions that a lower layer still throws ready-made (see <c>ErrorFactory.WithAttempts</c>).
    /// </summary>
    internal ServiceCallException WithAttempts(int attempts)
    {
        var copy = (ServiceCallException)MemberwiseClone();
        copy._attempts = attempts;
        return copy;
    }
}

/// <summary>The service's circuit breaker is open: the call was refused without any network I/O.</summary>
/// <remarks>Nothing was sent: <see cref="ServiceCallException.RequestNotSent"/> is true.</remarks>
public sealed class CircuitOpenException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    internal CircuitOpenException(string service, string tool, TimeSpan retryAfter)
        : base(service, tool, $"Circuit breaker for service '{service}' is open; retry after {retryAfter.TotalMilliseconds:F0} ms.", FailureKind.Other)
    {
        RetryAfter = retryAfter;
        RequestNotSent = true;
    }
}

/// <summary>A resource stream failed to open or broke while it was read.</summary>
/// <remarks><see cref="ServiceCallException.Tool"/> holds the resource path.</remarks>
public sealed class ResourceStreamException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    internal ResourceStreamException(string service, string path, string message, FailureKind kind = FailureKind.Other, Exception? innerException = null)
        : base(service, path, message, kind, innerException)
    {
    }

    /// <summary>The resource path that was streamed.</summary>
    public string Path => Tool;
}

/// <summary>Which time limit ended a call.</summary>
public enum TimeoutLimit
{
    /// <summary>The call's absolute deadline (queue wait, every attempt and every backoff).</summary>
    CallDeadline,

    /// <summary>The TCP/TLS connect timeout of the connection pool.</summary>
    Connect,

    /// <summary>The time allowed to open a resource stream (receive its response headers).</summary>
    StreamOpen,

    /// <summary>A stream kept a line incomplete for longer than <see cref="StreamOptions.LineProgressTimeout"/> (a trickling server).</summary>
    LineProgress,

    /// <summary>A resource stream carried no data event for longer than <see cref="StreamOptions.EventProgressTimeout"/>.</summary>
    EventProgress,
}

/// <summary>A call ran out of time; <see cref="Limit"/> says which limit fired.</summary>
public sealed class CallTimeoutException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    internal CallTimeoutException(string service, string tool, TimeoutLimit limit, TimeSpan limitValue, Exception? innerException = null)
        : base(service, tool, $"Call to '{service}/{tool}' exceeded its {Describe(limit)} of {limitValue.TotalMilliseconds:F0} ms.", FailureKind.Timeout, innerException)
    {
        Limit = limit;
        LimitValue = limitValue;
    }

    /// <summary>Which limit fired.</summary>
    public TimeoutLimit Limit { get; }

    /// <summary>The configured value of that limit.</summary>
    public TimeSpan LimitValue { get; }

    private static string Describe(TimeoutLimit limit) => limit switch
    {
        TimeoutLimit.Connect => "connect timeout",
        TimeoutLimit.StreamOpen => "stream-open timeout",
        TimeoutLimit.LineProgress => "line-progress limit",
        TimeoutLimit.EventProgress => "event-progress limit",
        _ => "deadline",
    };
}

/// <summary>The service's call queue was full and the service is configured to fail fast.</summary>
public sealed class QueueFullException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    internal QueueFullException(string service, string tool, int capacity, QueueRefusalReason reason, string message)
        : base(service, tool, message, FailureKind.Other)
    {
        Capacity = capacity;
        Reason = reason;
        RequestNotSent = true;
    }

    /// <summary>The queue's capacity.</summary>
    public int Capacity { get; }

    /// <summary>Why the queue refused the call: full, waiter limit, or shed by queueing delay or a stalled queue.</summary>
    public QueueRefusalReason Reason { get; }
}

/// <summary>A tool name was refused before any I/O: 1–128 characters of <c>[A-Za-z0-9_.-]</c>, not <c>.</c> or <c>..</c>.</summary>
public sealed class InvalidToolNameException : ServiceCallException
{
    /// <summary>Creates the exception; the offending value is reported escaped, never raw.</summary>
    internal InvalidToolNameException(string service, string tool, string reason)
        : base(service, tool, $"Refused tool name '{Uri.EscapeDataString(tool)}' for service '{service}': {reason}", FailureKind.Other)
    {
        RequestNotSent = true;
    }
}

/// <summary>
/// A resource path (REST) or resource URI (MCP) was refused before any I/O: a REST path must stay under the
/// endpoint's base path once escaped; an MCP resource URI must be absolute, at most 2048 characters, without control
/// characters.
/// </summary>
public sealed class InvalidResourcePathException : ServiceCallException
{
    /// <summary>Creates the exception; the offending value is reported escaped, never raw.</summary>
    internal InvalidResourcePathException(string service, string path, string reason)
        : base(service, path, $"Refused resource '{Uri.EscapeDataString(path)}' for service '{service}': {reason}", FailureKind.Other)
    {
        RequestNotSent = true;
    }

    /// <summary>The refused resource path or URI.</summary>
    public string Path => Tool;
}

/// <summary>The server broke the protocol: bad JSON, bad framing, an unexpected content type, or a size limit.</summary>
public sealed class ServiceProtocolException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    internal ServiceProtocolException(string service, string tool, string message, Exception? innerException = null)
        : base(service, tool, message, FailureKind.ProtocolError, innerException)
    {
    }
}

/// <summary>
/// The tool ran and reported failure (MCP <c>isError: true</c>). Not retried and not counted by the circuit breaker.
/// </summary>
public sealed class ToolErrorException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    internal ToolErrorException(string service, string tool, string message, string? contentJson)
        : base(service, tool, message, FailureKind.ToolError)
    {
        ContentJson = contentJson;
    }

    /// <summary>The tool result's content, as JSON text, when the server sent any.</summary>
    public string? ContentJson { get; }
}

/// <summary>The client was disposed while the call was queued or in flight, or a call was made after disposal.</summary>
public sealed class ClientDisposedException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    internal ClientDisposedException(string service, string tool)
        : base(service, tool, $"The client was disposed; call to '{service}/{tool}' did not complete.", FailureKind.Canceled)
    {
    }
}

/// <summary>
/// An MCP server answered a request with a JSON-RPC <c>error</c> object (for example -32601 method not found or
/// -32602 invalid params). <see cref="ErrorCode"/> is the server's code.
/// </summary>
/// <remarks>The service answered, so this is not retried and, except for -32603 internal error, not counted by
/// the circuit breaker (<see cref="ServiceCallException.FailureKind"/> is <see cref="FailureKind.JsonRpcError"/>;
/// <see cref="ServiceCallException.StatusCode"/> is the reply's HTTP status, usually 200).</remarks>
public sealed class McpErrorException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    internal McpErrorException(string service, string tool, long errorCode, string message, FailureKind kind = FailureKind.JsonRpcError)
        : base(service, tool, message, kind)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The JSON-RPC error code.</summary>
    public long ErrorCode { get; }
}
