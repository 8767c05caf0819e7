namespace Cortex.Mcp.Fast;

/// <summary>The HTTP version a service's requests use (<see cref="HttpOptions.Version"/>; default engine only).</summary>
public enum HttpProtocolVersion
{
    /// <summary>HTTP/1.1 (the default; both engines).</summary>
    Http11 = 0,

    /// <summary>
    /// HTTP/2 only: with prior knowledge over <c>http://</c> (h2c, no upgrade) and negotiated by ALPN over
    /// <c>https://</c>; a server that does not speak it fails the request. Needs the default engine.
    /// </summary>
    Http2 = 1,

    /// <summary>
    /// HTTP/2 when the server offers it by ALPN over <c>https://</c>, else HTTP/1.1 (and always HTTP/1.1 over
    /// <c>http://</c>, since there is no negotiation there). Needs the default engine.
    /// </summary>
    Http2OrHttp11 = 2,
}
