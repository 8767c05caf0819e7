using System.IO.Pipelines;
using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>
/// A response from an <see cref="IHttpEngine"/>: the status and the few head fields the protocols use, and its body
/// read either whole into pooled memory or as a pipe for the event-stream reader. Dispose it to free the connection.
/// </summary>
/// <remarks>Not thread-safe: one reader. Failures while reading the body are the engine's own exceptions; map them
/// with <see cref="IHttpEngine.MapFailure"/>.</remarks>
internal abstract class HttpEngineResponse : IAsyncDisposable
{
    /// <summary>The content type of an event stream.</summary>
    public const string EventStreamMediaType = "text/event-stream";

    /// <summary>Gets the status code.</summary>
    public abstract int Status { get; }

    /// <summary>Gets the media type of Content-Type (no parameters), or null.</summary>
    public abstract string? MediaType { get; }

    /// <summary>Gets the declared body length, or null when none was declared.</summary>
    public abstract long? ContentLength { get; }

    /// <summary>Gets the Mcp-Session-Id value, or null.</summary>
    public abstract string? SessionId { get; }

    /// <summary>Gets the raw Retry-After value, or null.</summary>
    public abstract string? RetryAfter { get; }

    /// <summary>Gets a value indicating whether this is an accepted event stream (200 with <c>text/event-stream</c>).</summary>
    public bool IsEventStream =>
        Status == 200 && MediaType is { } media && media.Equals(EventStreamMediaType, StringComparison.OrdinalIgnoreCase);

    /// <summary>Gets a value indicating whether the media type is JSON (<c>application/json</c> or <c>+json</c>).</summary>
    public bool IsJson =>
        MediaType is { } media && (media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Reads the whole body into a buffer rented from <see cref="System.Buffers.ArrayPool{T}.Shared"/> (the caller
    /// owns it). A declared length over <paramref name="maxBytes"/> is refused before any read; streamed bytes stop
    /// at the limit.
    /// </summary>
    /// <exception cref="Errors.TransportFailure">Over the limit, or shorter than its declared length.</exception>
    public abstract ValueTask<(byte[] Buffer, int Length)> ReadBodyPooledAsync(int maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// Opens the body as a pipe for the event-stream reader (which completes it), noting line progress into
    /// <paramref name="progress"/> as bytes arrive. The response still owns the connection: dispose it after.
    /// </summary>
    public abstract ValueTask<PipeReader> OpenBodyPipeAsync(LineProgress progress, CancellationToken cancellationToken);

    /// <summary>Frees the connection (reused only when the body was read to its end).</summary>
    public abstract ValueTask DisposeAsync();
}
