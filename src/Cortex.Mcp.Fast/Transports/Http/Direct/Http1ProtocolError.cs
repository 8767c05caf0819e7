namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>Why a response was refused by the direct engine's framing layer.</summary>
internal enum Http1ProtocolError : byte
{
    /// <summary>The status line is not <c>HTTP/1.x SP 3DIGIT [SP reason]</c>.</summary>
    InvalidStatusLine,

    /// <summary>The version is neither HTTP/1.1 nor HTTP/1.0.</summary>
    UnsupportedVersion,

    /// <summary>A header line is malformed (no colon, bad name, space before the colon, control bytes).</summary>
    InvalidHeader,

    /// <summary>A header line starts with whitespace (obsolete line folding).</summary>
    LineFolding,

    /// <summary>A line ended with a bare LF, or a CR was not followed by LF.</summary>
    BareLineEnding,

    /// <summary>A line was longer than <see cref="Http1Limits.MaxLineLength"/> or <see cref="Http1Limits.MaxChunkLineLength"/>.</summary>
    LineTooLong,

    /// <summary>More header fields than <see cref="Http1Limits.MaxHeaderCount"/>.</summary>
    TooManyHeaders,

    /// <summary>A head larger than <see cref="Http1Limits.MaxHeadSize"/>, or more interim responses than allowed.</summary>
    HeadTooLarge,

    /// <summary>A Content-Length that is not a plain decimal number, or several that differ.</summary>
    InvalidContentLength,

    /// <summary>A Transfer-Encoding other than exactly <c>chunked</c>, or one on an HTTP/1.0 response.</summary>
    UnsupportedTransferEncoding,

    /// <summary>Both Content-Length and Transfer-Encoding: a request smuggling vector, refused.</summary>
    ContentLengthAndChunked,

    /// <summary>A header the engine keeps (such as Mcp-Session-Id) came twice with different values.</summary>
    ConflictingHeader,

    /// <summary>A 101 Switching Protocols, which the engine never asks for.</summary>
    UnexpectedUpgrade,

    /// <summary>A chunk-size line is malformed or its size does not fit in 63 bits.</summary>
    InvalidChunkSize,

    /// <summary>A chunk's data was not followed by CRLF.</summary>
    InvalidChunkTerminator,

    /// <summary>The trailer section is malformed or larger than <see cref="Http1Limits.MaxTrailerSize"/>.</summary>
    InvalidTrailer,

    /// <summary>The connection ended before the head or body was complete.</summary>
    UnexpectedEnd,

    /// <summary>The server sent bytes that belong to no request (after the response, or before the request ended).</summary>
    UnexpectedData,
}
