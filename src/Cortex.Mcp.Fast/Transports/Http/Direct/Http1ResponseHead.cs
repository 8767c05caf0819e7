using System.Text;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// The parts of a final response head the engine uses: status, version, framing, reuse, and the few header values
/// the transports read (Content-Type's media type, Retry-After, Mcp-Session-Id, Location). Every other header is
/// checked for syntax and skipped.
/// </summary>
/// <remarks>
/// One instance per connection, filled by <see cref="Http1ResponseParser"/> and cleared by <see cref="Reset"/> before
/// the next response; not thread-safe. Strings that repeat from response to response (the common media types, the
/// session id) are reused rather than allocated again.
/// </remarks>
internal sealed class Http1ResponseHead
{
    /// <summary>The media type most replies carry.</summary>
    public const string ApplicationJson = "application/json";

    /// <summary>The media type of a streamed reply.</summary>
    public const string TextEventStream = "text/event-stream";

    /// <summary>The last session id materialised, kept across <see cref="Reset"/> so a repeated id costs nothing.</summary>
    private string? _lastSessionId;

    /// <summary>Gets the status code of the final response (1xx responses are skipped).</summary>
    public int StatusCode { get; private set; }

    /// <summary>Gets a value indicating whether the response is HTTP/1.0 (otherwise HTTP/1.1).</summary>
    public bool IsHttp10 { get; private set; }

    /// <summary>Gets the Content-Length, or -1 when the response has none.</summary>
    public long ContentLength { get; private set; } = -1;

    /// <summary>Gets a value indicating whether the response said <c>Transfer-Encoding: chunked</c>.</summary>
    public bool IsChunked { get; private set; }

    /// <summary>Gets a value indicating whether a Connection header carried <c>close</c>.</summary>
    public bool ConnectionClose { get; private set; }

    /// <summary>Gets a value indicating whether a Connection header carried <c>keep-alive</c>.</summary>
    public bool ConnectionKeepAlive { get; private set; }

    /// <summary>Gets the media type of Content-Type (without parameters), or null.</summary>
    public string? ContentType { get; private set; }

    /// <summary>Gets the raw Retry-After value, or null.</summary>
    public string? RetryAfter { get; private set; }

    /// <summary>Gets the Mcp-Session-Id value, or null.</summary>
    public string? SessionId { get; private set; }

    /// <summary>Gets the Location value, or null.</summary>
    public string? Location { get; private set; }

    /// <summary>Gets how the body is delimited; decided when the head is complete.</summary>
    public Http1BodyFraming Framing { get; private set; }

    /// <summary>
    /// Gets a value indicating whether the connection may carry another request once this response's body has been
    /// read to its end: HTTP/1.1 without <c>Connection: close</c>, or HTTP/1.0 with <c>keep-alive</c>, and a body
    /// whose end is known without the connection closing.
    /// </summary>
    public bool KeepAlive =>
        Framing != Http1BodyFraming.CloseDelimited && !ConnectionClose && (!IsHttp10 || ConnectionKeepAlive);

    /// <summary>Clears every field for the next response (the session id cache survives).</summary>
    public void Reset()
    {
        StatusCode = 0;
        IsHttp10 = false;
        ContentLength = -1;
        IsChunked = false;
        ConnectionClose = false;
        ConnectionKeepAlive = false;
        ContentType = null;
        RetryAfter = null;
        SessionId = null;
        Location = null;
        Framing = Http1BodyFraming.None;
    }

    internal void SetStatus(int statusCode, bool isHttp10)
    {
        StatusCode = statusCode;
        IsHttp10 = isHttp10;
    }

    internal void SetContentLength(ReadOnlySpan<byte> value)
    {
        // Spec (RFC 9110 §8.6): "Content-Length = 1*DIGIT". A list or anything else is refused, as are two values
        // that differ (identical repeats are harmless and allowed).
        if (value.IsEmpty || value.Length > 18 || value.ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidContentLength);
        }

        long length = 0;
        foreach (byte b in value)
        {
            length = (length * 10) + (b - '0');
        }

        if (ContentLength >= 0 && ContentLength != length)
        {
            Http1ProtocolException.Throw(Http1ProtocolError.InvalidContentLength);
        }

        ContentLength = length;
    }

    internal void SetTransferEncoding(ReadOnlySpan<byte> value)
    {
        // Only exactly one "chunked" is understood: another coding (even before chunked), a second chunked, or any
        // Transfer-Encoding on HTTP/1.0 (RFC 9112 §6.1: "MUST treat the message as if the framing is faulty") is refused.
        if (IsChunked || IsHttp10 || !Ascii.EqualsIgnoreCase(value, "chunked"u8))
        {
            Http1ProtocolException.Throw(Http1ProtocolError.UnsupportedTransferEncoding);
        }

        IsChunked = true;
    }

    internal void SetConnection(ReadOnlySpan<byte> value)
    {
        // Spec (RFC 9110 §7.6.1): "Connection = #connection-option"; only close and keep-alive matter here.
        foreach (Range range in value.Split((byte)','))
        {
            ReadOnlySpan<byte> option = value[range].Trim(Http1Syntax.Whitespace);
            if (Ascii.EqualsIgnoreCase(option, "close"u8))
            {
                ConnectionClose = true;
            }
            else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8))
            {
                ConnectionKeepAlive = true;
            }
        }
    }

    internal void SetContentType(ReadOnlySpan<byte> value)
    {
        int semicolon = value.IndexOf((byte)';');
        ReadOnlySpan<byte> mediaType = (semicolon < 0 ? value : value[..semicolon]).TrimEnd(Http1Syntax.Whitespace);
        ContentType = Ascii.EqualsIgnoreCase(mediaType, "application/json"u8) ? ApplicationJson
            : Ascii.EqualsIgnoreCase(mediaType, "text/event-stream"u8) ? TextEventStream
            : Encoding.Latin1.GetString(mediaType);
    }

    internal void SetRetryAfter(ReadOnlySpan<byte> value) => RetryAfter = Encoding.Latin1.GetString(value);

    internal void SetLocation(ReadOnlySpan<byte> value) => Location = Encoding.Latin1.GetString(value);

    internal void SetSessionId(ReadOnlySpan<byte> value)
    {
        if (SessionId is not null)
        {
            // Two session ids would make the session ambiguous.
            if (!Ascii.Equals(value, SessionId))
            {
                Http1ProtocolException.Throw(Http1ProtocolError.ConflictingHeader);
            }

            return;
        }

        string? last = _lastSessionId;
        if (last is null || last.Length != value.Length || !Latin1Equals(value, last))
        {
            last = Encoding.Latin1.GetString(value);
            _lastSessionId = last;
        }

        SessionId = last;
    }

    internal void Decide(bool requestWasHead)
    {
        // Spec (RFC 9112 §6.3): HEAD, 1xx, 204 and 304 have no body; then Transfer-Encoding, then Content-Length,
        // then read until close. Both headers at once is refused outright (RFC 9112 §6.1 allows a recipient to).
        if (IsChunked && ContentLength >= 0)
        {
            Http1ProtocolException.Throw(Http1ProtocolError.ContentLengthAndChunked);
        }

        Framing = requestWasHead || StatusCode is 204 or 304 ? Http1BodyFraming.None
            : IsChunked ? Http1BodyFraming.Chunked
            : ContentLength >= 0 ? Http1BodyFraming.ContentLength
            : Http1BodyFraming.CloseDelimited;
    }

    private static bool Latin1Equals(ReadOnlySpan<byte> bytes, string text)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] != text[i])
            {
                return false;
            }
        }

        return true;
    }
}
