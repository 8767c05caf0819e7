using System.Diagnostics.CodeAnalysis;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// A connection-level failure of the direct engine (connect refused or timed out, reset, closed early), with the
/// one fact the retry layer needs: whether the request provably never left this process.
/// </summary>
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "Internal.")]
[SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "Never escapes the library: the transport maps it to a TransportFailure.")]
internal sealed class Http1ConnectionException : Exception
{
    public Http1ConnectionException(string message, bool requestNotSent, Exception? inner = null, bool tlsHandshakeFailed = false)
        : base(message, inner)
    {
        RequestNotSent = requestNotSent;
        TlsHandshakeFailed = tlsHandshakeFailed;
    }

    /// <summary>
    /// Gets a value indicating whether the request provably never left: the connect failed, or the connection was
    /// found closed (or carrying stray bytes) before any byte of the request was written.
    /// </summary>
    public bool RequestNotSent { get; }

    /// <summary>
    /// Gets a value indicating whether the TLS handshake failed (certificate rejected, no common protocol, ALPN
    /// other than <c>http/1.1</c>): a configuration problem, not transient; nothing was sent.
    /// </summary>
    public bool TlsHandshakeFailed { get; }
}
