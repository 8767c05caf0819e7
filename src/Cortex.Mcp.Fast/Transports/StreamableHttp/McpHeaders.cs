namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>Why a server-issued session id was refused. The value itself is never kept, logged or echoed.</summary>
internal enum SessionIdValidation : byte
{
    /// <summary>Usable: 1 to <see cref="McpHeaders.MaxSessionIdLength"/> visible ASCII characters.</summary>
    Valid,

    /// <summary>The header was absent (legal: the server runs without sessions).</summary>
    Missing,

    /// <summary>The header was present but empty.</summary>
    Empty,

    /// <summary>Longer than <see cref="McpHeaders.MaxSessionIdLength"/>.</summary>
    TooLong,

    /// <summary>Contains a character outside 0x21–0x7E (space, control, non-ASCII).</summary>
    InvalidCharacter,
}

/// <summary>
/// MCP Streamable HTTP header names and the session-id rule. Header names are matched case-insensitively by
/// HTTP; the spellings here are the spec's.
/// </summary>
internal static class McpHeaders
{
    /// <summary>Session id assigned by the server in the initialize reply (handshake revisions only).</summary>
    public const string SessionId = "Mcp-Session-Id";

    /// <summary>Negotiated revision, on every request after initialize (and on every request in 2026-07-28).</summary>
    public const string ProtocolVersion = "MCP-Protocol-Version";

    /// <summary>2026-07-28: the JSON-RPC <c>method</c>, on every POST.</summary>
    public const string Method = "Mcp-Method";

    /// <summary>2026-07-28: <c>params.name</c> (tools/call, prompts/get) or <c>params.uri</c> (resources/read).</summary>
    public const string Name = "Mcp-Name";

    /// <summary>SSE resumption cursor on a GET (handshake revisions only).</summary>
    public const string LastEventId = "Last-Event-ID";

    /// <summary>
    /// Upper bound on a session id we accept, in characters (= bytes, since only ASCII is allowed). The spec sets
    /// no limit; 1 KiB is far above real ids (36-character UUIDs) and keeps a hostile server from making us store
    /// and resend a huge header on every request.
    /// </summary>
    public const int MaxSessionIdLength = 1024;

    /// <summary>Checks a session id from a response header before it is stored or sent back.</summary>
    // Spec (2025-11-25 transports): "The session ID ... MUST only contain visible ASCII characters (ranging
    // from 0x21 to 0x7E)."
    public static SessionIdValidation ValidateSessionId(string? value)
    {
        if (value is null)
        {
            return SessionIdValidation.Missing;
        }

        return ValidateSessionId(value.AsSpan());
    }

    /// <inheritdoc cref="ValidateSessionId(string?)"/>
    public static SessionIdValidation ValidateSessionId(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return SessionIdValidation.Empty;
        }

        if (value.Length > MaxSessionIdLength)
        {
            return SessionIdValidation.TooLong;
        }

        // Vectorised: any char outside '!'..'~' refuses the whole id.
        return value.ContainsAnyExceptInRange('\x21', '\x7E')
            ? SessionIdValidation.InvalidCharacter
            : SessionIdValidation.Valid;
    }
}
