namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>How the body of a response is delimited on the wire (RFC 9112 §6.3).</summary>
internal enum Http1BodyFraming : byte
{
    /// <summary>No body: a response to HEAD, a 204 or a 304.</summary>
    None,

    /// <summary>Exactly <see cref="Http1ResponseHead.ContentLength"/> bytes.</summary>
    ContentLength,

    /// <summary>The chunked transfer coding, decoded by <see cref="ChunkedBodyDecoder"/>.</summary>
    Chunked,

    /// <summary>Everything until the server closes the connection (which then cannot be reused).</summary>
    CloseDelimited,
}
