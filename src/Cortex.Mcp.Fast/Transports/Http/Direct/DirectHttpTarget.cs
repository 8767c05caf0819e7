namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>The target of the direct engine: its request line and fixed headers, encoded once.</summary>
internal sealed class DirectHttpTarget(HttpMethod method, Uri uri, string? accept, string? contentType, PreEncodedRequest encoded)
    : HttpTarget(method, uri, accept, contentType)
{
    /// <summary>Gets the pre-encoded request line and fixed headers.</summary>
    public PreEncodedRequest Encoded { get; } = encoded;
}
