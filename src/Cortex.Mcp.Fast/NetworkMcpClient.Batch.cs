using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast;

/// <summary>Batches.</summary>
public sealed partial class NetworkMcpClient
{
    /// <summary>
    /// Sends every call at once and returns their outcomes in call order. A failed call never fails the batch:
    /// its entry carries the typed error instead of an exception.
    /// </summary>
    /// <param name="calls">The calls, possibly to different services.</param>
    /// <param name="cancellationToken">Cancels every call still running; the batch then throws
    /// <see cref="OperationCanceledException"/> after all calls have ended.</param>
    public async Task<IReadOnlyList<BatchCallResult>> CallToolBatchAsync(IReadOnlyList<BatchToolCall> calls, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var pending = new Task<ToolResult>[calls.Count];
        for (var i = 0; i < pending.Length; i++)
        {
            var call = calls[i] ?? throw new ArgumentException("A batch must not contain null calls.", nameof(calls));
            pending[i] = CallToolAsync(call.Service, call.Tool, call.Arguments, call.Options, cancellationToken).AsTask();
        }

        try
        {
            await Task.WhenAll(pending).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Outcomes are read one by one below; the aggregate says nothing more.
        }

        var results = new BatchCallResult[pending.Length];
        for (var i = 0; i < pending.Length; i++)
        {
            var task = pending[i];
            results[i] = task.Status switch
            {
                TaskStatus.RanToCompletion => new BatchCallResult(calls[i], task.Result, null),
                TaskStatus.Faulted when task.Exception!.InnerException is ServiceCallException error => new BatchCallResult(calls[i], null, error),
                TaskStatus.Faulted => new BatchCallResult(calls[i], null, ErrorFactory.Unexpected(calls[i].Service, calls[i].Tool, task.Exception!.InnerException!)),
                _ => null!,
            };
        }

        if (Array.IndexOf(results, null) >= 0)
        {
            // Some calls were canceled by the caller: release what did complete, then report the cancellation.
            foreach (var result in results)
            {
                result?.Dispose();
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw new OperationCanceledException("A batch call was canceled.");
        }

        return results;
    }
}
