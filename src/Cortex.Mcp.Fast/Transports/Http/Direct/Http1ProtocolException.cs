using System.Diagnostics.CodeAnalysis;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// A response the direct engine refuses to read: malformed, over a limit, or ambiguous in its framing. The caller
/// turns it into a protocol <c>TransportFailure</c>; the connection that carried it is never reused.
/// </summary>
/// <remarks>The message is short and fixed per <see cref="Error"/>; it never quotes response bytes.</remarks>
[SuppressMessage("Design", "CA1032:Implement standard exception constructors", Justification = "Internal; built only through Throw.")]
[SuppressMessage("Design", "CA1064:Exceptions should be public", Justification = "Never escapes the library: the transport maps it to a TransportFailure.")]
internal sealed class Http1ProtocolException : Exception
{
    private Http1ProtocolException(Http1ProtocolError error)
        : base(Describe(error)) => Error = error;

    /// <summary>Gets why the response was refused.</summary>
    public Http1ProtocolError Error { get; }

    /// <summary>Throws from a method the JIT keeps out of the hot loops.</summary>
    [DoesNotReturn]
    public static void Throw(Http1ProtocolError error) => throw new Http1ProtocolException(error);

    /// <summary>Builds the exception without throwing it (for a faulted task).</summary>
    public static Http1ProtocolException Create(Http1ProtocolError error) => new(error);

    private static string Describe(Http1ProtocolError error) => error switch
    {
        Http1ProtocolError.InvalidStatusLine => "The response status line is malformed.",
        Http1ProtocolError.UnsupportedVersion => "The response HTTP version is not 1.1 or 1.0.",
        Http1ProtocolError.InvalidHeader => "A response header line is malformed.",
        Http1ProtocolError.LineFolding => "A response header uses obsolete line folding.",
        Http1ProtocolError.BareLineEnding => "A response line does not end with CRLF.",
        Http1ProtocolError.LineTooLong => "A response line exceeds the line length limit.",
        Http1ProtocolError.TooManyHeaders => "The response has more header fields than allowed.",
        Http1ProtocolError.HeadTooLarge => "The response head exceeds the size limit.",
        Http1ProtocolError.InvalidContentLength => "The response Content-Length is invalid or conflicting.",
        Http1ProtocolError.UnsupportedTransferEncoding => "The response Transfer-Encoding is not exactly chunked.",
        Http1ProtocolError.ContentLengthAndChunked => "The response has both Content-Length and Transfer-Encoding.",
        Http1ProtocolError.ConflictingHeader => "A response header is repeated with different values.",
        Http1ProtocolError.UnexpectedUpgrade => "The server switched protocols unasked.",
        Http1ProtocolError.InvalidChunkSize => "A chunk size line is malformed or too large.",
        Http1ProtocolError.InvalidChunkTerminator => "A chunk is not followed by CRLF.",
        Http1ProtocolError.InvalidTrailer => "The chunked trailer section is malformed or too large.",
        Http1ProtocolError.UnexpectedEnd => "The connection ended before the response was complete.",
        Http1ProtocolError.UnexpectedData => "The server sent bytes outside a response.",
        _ => "The response is malformed.",
    };
}
