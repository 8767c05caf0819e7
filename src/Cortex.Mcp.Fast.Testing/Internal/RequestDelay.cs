using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Internal;

/// <summary>A request-scoped wait (a stall, a sleeping tool) that the client's departure or the service's stop ends.</summary>
internal static class RequestDelay
{
    /// <summary>
    /// Waits <paramref name="delay"/>. Returns <see langword="false"/> when the client went away or the service began
    /// to stop first; the connection is then aborted and the request must not be answered.
    /// </summary>
    public static async Task<bool> DelayOrAbortAsync(HttpContext context, TimeSpan delay, CancellationToken stopping)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        try
        {
            await Task.Delay(delay, linked.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            context.Abort();
            return false;
        }
    }
}
