namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// What an HTTP error response (non-2xx) said, when its body is a JSON-RPC error. Bodies seen in practice
/// (MCP-WIRE.md §2.4): JSON with <c>"id": null</c>, JSON with no <c>id</c> at all, and HTML or plain text.
/// </summary>
/// <param name="HasJsonRpcError">True when the body was a JSON-RPC error object with an integer code.</param>
/// <param name="Code">The JSON-RPC error code (when <paramref name="HasJsonRpcError"/>).</param>
/// <param name="Message">error.message, cut to <see cref="McpHttpErrorBody.MaxMessageLength"/> characters; null when absent.</param>
internal readonly record struct HttpErrorBody(bool HasJsonRpcError, long Code, string? Message)
{
    /// <summary>Meaning of <see cref="Code"/>.</summary>
    public McpErrorKind Kind => JsonRpcErrorCodes.Classify(Code);
}

/// <summary>Parses HTTP error bodies and recognises the "session is gone" answers of real servers.</summary>
internal static class McpHttpErrorBody
{
    /// <summary>
    /// Longest server error message kept (characters): the whole error body a client reads. Messages are cut to
    /// their displayed length only after secrets are masked (a cut first could leave a token's prefix behind).
    /// </summary>
    public const int MaxMessageLength = Http.HttpErrorResponse.MaxErrorBody;

    /// <summary>
    /// Parses <paramref name="body"/> when it looks like JSON (by media type, or by its first byte when no type
    /// was sent); HTML and other text give <c>HasJsonRpcError = false</c>. Never throws.
    /// </summary>
    public static HttpErrorBody Parse(ReadOnlySpan<byte> body, string? mediaType)
    {
        if (!LooksLikeJson(body, mediaType))
        {
            return default;
        }

        var message = JsonRpcMessageReader.Read(body);
        if (message.Kind != JsonRpcMessageKind.Error)
        {
            return default;
        }

        var text = message.GetErrorMessage();
        if (text is { Length: > MaxMessageLength })
        {
            text = text[..MaxMessageLength];
        }

        return new HttpErrorBody(true, message.ErrorCode, text);
    }

    /// <summary>
    /// True when an HTTP error to a request that carried a session id means the session is gone, so the client
    /// must start one new session. 404 always means that; server-everything answers 400 with -32000 "Bad
    /// Request: No valid session ID provided" instead (MCP-WIRE.md §2.4), which is recognised by its message.
    /// Other 400s (bad protocol version, malformed request) are not session loss.
    /// </summary>
    // Spec (2025-11-25 transports): "When a client receives HTTP 404 in response to a request containing an
    // MCP-Session-Id, it MUST start a new session by sending a new InitializeRequest without a session ID attached."
    public static bool IsSessionLost(int statusCode, bool sentSessionId, in HttpErrorBody body)
    {
        if (!sentSessionId)
        {
            return false;
        }

        if (statusCode == 404)
        {
            // A 2026-07-28 server answers an unknown method with 404 + -32601; that is not session loss.
            return !(body.HasJsonRpcError && body.Code == JsonRpcErrorCodes.MethodNotFound);
        }

        return statusCode == 400
            && body.HasJsonRpcError
            && body.Code == JsonRpcErrorCodes.GenericServerError
            && body.Message is not null
            && body.Message.Contains("session", StringComparison.OrdinalIgnoreCase);
    }

    private static bool LooksLikeJson(ReadOnlySpan<byte> body, string? mediaType)
    {
        if (body.IsEmpty)
        {
            return false;
        }

        if (mediaType is null)
        {
            var trimmed = body.TrimStart(" \t\r\n"u8);
            return !trimmed.IsEmpty && trimmed[0] == (byte)'{';
        }

        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }
}
