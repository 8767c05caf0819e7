using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>One call of <see cref="NetworkMcpClient.CallToolBatchAsync"/>.</summary>
/// <example><c>new BatchToolCall("svc", "add", args) { Options = ToolCallOptions.NonIdempotent }</c></example>
public sealed class BatchToolCall
{
    /// <summary>Creates a call of <paramref name="tool"/> on <paramref name="service"/>.</summary>
    /// <param name="service">The service name.</param>
    /// <param name="tool">The tool name (checked when the batch runs; a bad name fails only this entry).</param>
    /// <param name="arguments">The arguments object; <see langword="default"/> sends <c>{}</c>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="service"/> or <paramref name="tool"/> is null.</exception>
    public BatchToolCall(string service, string tool, JsonElement arguments = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(tool);
        Service = service;
        Tool = tool;
        Arguments = arguments;
    }

    /// <summary>Gets the service name.</summary>
    public string Service { get; }

    /// <summary>Gets the tool name.</summary>
    public string Tool { get; }

    /// <summary>Gets the arguments object; <see langword="default"/> sends <c>{}</c>.</summary>
    public JsonElement Arguments { get; }

    /// <summary>Gets per-call options.</summary>
    /// <value>The default value is <see langword="null"/> (the service's defaults).</value>
    public ToolCallOptions? Options { get; init; }
}

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
