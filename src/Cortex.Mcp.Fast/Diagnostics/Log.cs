using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>Source-generated log events. Values logged never include tokens or session ids.</summary>
internal static partial class Log
{
    [LoggerMessage(2, LogLevel.Warning, "Call {Service}/{Tool} attempt {Attempt} failed ({Kind}, status {Status}); retrying in {DelayMs} ms")]
    public static partial void CallRetrying(ILogger logger, string service, string tool, int attempt, FailureKind kind, int status, double delayMs);

    [LoggerMessage(3, LogLevel.Warning, "Call {Service}/{Tool} failed after {Attempt} attempt(s): {Kind}, status {Status}")]
    public static partial void CallFailed(ILogger logger, string service, string tool, int attempt, FailureKind kind, int status);

    [LoggerMessage(4, LogLevel.Warning, "Circuit breaker of {Service} moved from {From} to {To}")]
    public static partial void BreakerTransition(ILogger logger, string service, CircuitState from, CircuitState to);

    [LoggerMessage(5, LogLevel.Warning, "Skipped an invalid JSON item in resource {Service}/{Path}")]
    public static partial void InvalidStreamItem(ILogger logger, string service, string path, Exception exception);

    [LoggerMessage(6, LogLevel.Information, "Service {Service} now resolves to {Endpoint}; the old pool drains")]
    public static partial void EndpointChanged(ILogger logger, string service, Uri endpoint);

    [LoggerMessage(7, LogLevel.Information, "Service {Service} connected to {Endpoint} with {Connections} pre-opened connection(s)")]
    public static partial void Connected(ILogger logger, string service, Uri endpoint, int connections);

    [LoggerMessage(8, LogLevel.Debug, "Call {Service}/{Tool} canceled by the caller after {Attempt} attempt(s)")]
    public static partial void CallCanceled(ILogger logger, string service, string tool, int attempt);

    [LoggerMessage(9, LogLevel.Error, "Could not move service {Service} to its new endpoint")]
    public static partial void EndpointChangeFailed(ILogger logger, string service, Exception exception);
}
