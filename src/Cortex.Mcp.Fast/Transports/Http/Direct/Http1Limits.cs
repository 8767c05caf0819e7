namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// The hard bounds the direct HTTP/1.1 engine puts on what a server may send it: a hostile server can make it hold
/// no more than these, and gets a <see cref="Http1ProtocolException"/> for trying.
/// </summary>
/// <remarks>Immutable once built; one instance is shared by every connection of an endpoint.</remarks>
internal sealed class Http1Limits
{
    /// <summary>Gets the defaults (the figures of Kestrel and <c>SocketsHttpHandler</c>, rounded).</summary>
    public static Http1Limits Default { get; } = new();

    /// <summary>Gets the longest status or header line accepted, without its CRLF.</summary>
    /// <value>8 KiB.</value>
    public int MaxLineLength { get; init; } = 8 * 1024;

    /// <summary>Gets the most header fields accepted in one response head (1xx heads count on their own).</summary>
    /// <value>100.</value>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>Gets the largest response head accepted, status line and final blank line included.</summary>
    /// <value>64 KiB.</value>
    public int MaxHeadSize { get; init; } = 64 * 1024;

    /// <summary>Gets the most interim (1xx) responses skipped before the final one.</summary>
    /// <value>8.</value>
    public int MaxInterimResponses { get; init; } = 8;

    /// <summary>Gets the longest chunk-size line accepted (size, extensions), without its CRLF.</summary>
    /// <value>4 KiB.</value>
    public int MaxChunkLineLength { get; init; } = 4 * 1024;

    /// <summary>Gets the largest trailer section accepted after the last chunk, final CRLF included.</summary>
    /// <value>16 KiB.</value>
    public int MaxTrailerSize { get; init; } = 16 * 1024;
}
