using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>One call of <see cref="NetworkMcpClient.CallToolBatchAsync"/>.</summary>
/// <param name="Service">The service name.</param>
/// <param name="Tool">The tool name.</param>
/// <param name="Arguments">The arguments object; <see langword="default"/> sends <c>{}</c>.</param>
/// <param name="Options">Per-call options, or null for the service's defaults.</param>
public sealed record BatchToolCall(string Service, string Tool, JsonElement Arguments = default, ToolCallOptions? Options = null);

/// <summary>The outcome of one batch call: a result or a typed error, never both.</summary>
public sealed class BatchCallResult : IDisposable
{
    internal BatchCallResult(BatchToolCall call, ToolResult? result, ServiceCallException? error)
    {
        Call = call;
        Result = result;
        Error = error;
    }

    /// <summary>The call this outcome belongs to.</summary>
    public BatchToolCall Call { get; }

    /// <summary>The result, when the call succeeded.</summary>
    public ToolResult? Result { get; }

    /// <summary>The typed error, when the call failed.</summary>
    public ServiceCallException? Error { get; }

    /// <summary>True when the call returned a result.</summary>
    public bool IsSuccess => Result is not null;

    /// <summary>Disposes the result, if any.</summary>
    public void Dispose() => Result?.Dispose();
}
