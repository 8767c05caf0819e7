using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Internal;

/// <summary>Reads a request body whole from the request <see cref="PipeReader"/> (the REST tool endpoint and the MCP
/// endpoint both parse a body only once it has all arrived).</summary>
internal static class RequestBody
{
    /// <summary>
    /// Reads until the body is complete and returns that read, whose buffer holds the whole body; the caller ends with
    /// <c>context.Request.BodyReader.AdvanceTo(result.Buffer.End)</c>. Returns <see langword="null"/> when there is no
    /// body to handle: a malformed body (<see cref="BadHttpRequestException"/>, e.g. too large) is answered by
    /// <paramref name="writeBadBody"/>; a client that went away while sending it has its connection aborted.
    /// </summary>
    /// <remarks>Pooled builder: on the service's hot path (load runs, benchmarks) a read that must wait allocates no
    /// state machine beyond its caller's.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<ReadResult?> ReadWholeAsync(HttpContext context,
        Action<HttpResponse, BadHttpRequestException> writeBadBody)
    {
        var reader = context.Request.BodyReader;
        try
        {
            var result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            while (!result.IsCompleted && !result.IsCanceled)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            }

            return result;
        }
        catch (BadHttpRequestException ex)
        {
            writeBadBody(context.Response, ex);
            return null;
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            context.Abort(); // the client went away while sending its body
            return null;
        }
    }
}
