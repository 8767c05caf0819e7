namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>
/// What stays the same for every request to one target: method, address and the fixed header fields (Accept,
/// Content-Type). An engine prepares it once (<see cref="IHttpEngine.CreateTarget"/>) in the form it sends fastest:
/// the direct engine as pre-encoded bytes, the default engine as a method and a URI.
/// </summary>
/// <remarks>Immutable and thread-safe; transports keep one per tool, resource or session endpoint.</remarks>
internal abstract class HttpTarget
{
    protected HttpTarget(HttpMethod method, Uri uri, string? accept, string? contentType)
    {
        Method = method;
        Uri = uri;
        Accept = accept;
        ContentType = contentType;
    }

    /// <summary>Gets the method.</summary>
    public HttpMethod Method { get; }

    /// <summary>Gets the absolute address.</summary>
    public Uri Uri { get; }

    /// <summary>Gets the Accept value, or null.</summary>
    public string? Accept { get; }

    /// <summary>Gets the Content-Type of the body, or null when the request has none.</summary>
    public string? ContentType { get; }
}
