namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// What a JSON-RPC error code means to this client. The transport maps these onto the library's typed
/// exceptions; the code itself always travels with the error.
/// </summary>
internal enum McpErrorKind : byte
{
    /// <summary>-32700: the server could not parse what we sent (a bug on our side, or a mangling proxy).</summary>
    ParseError,

    /// <summary>-32600: not a valid request (for example a second initialize in one session).</summary>
    InvalidRequest,

    /// <summary>-32601: the server does not implement the method.</summary>
    MethodNotFound,

    /// <summary>-32602: bad parameters; also "resource not found" from 2026-07-28 servers and from everything.</summary>
    InvalidParams,

    /// <summary>-32603: the server failed internally.</summary>
    InternalError,

    /// <summary>-32002: resource not found (2025-11-25 and earlier).</summary>
    ResourceNotFound,

    /// <summary>-32020 (2026-07-28): our Mcp-* headers did not match the body, or were missing.</summary>
    HeaderMismatch,

    /// <summary>-32021 (2026-07-28): the request needs a client capability we did not declare.</summary>
    MissingRequiredClientCapability,

    /// <summary>-32022 (2026-07-28): the server does not speak our revision; <c>data.supported</c> lists its own.</summary>
    UnsupportedProtocolVersion,

    /// <summary>-32042 (2025-11-25 only): URL elicitation required; we do not support elicitation flows.</summary>
    UrlElicitationRequired,

    /// <summary>
    /// -32000 to -32019 except -32002: implementation-defined. The meaning comes from the HTTP status (for
    /// example -32001 with 404 = session not found on the TypeScript SDK), never from the code.
    /// </summary>
    ImplementationDefined,

    /// <summary>Any other code inside the JSON-RPC reserved range -32768 to -32000.</summary>
    ReservedUnknown,

    /// <summary>A code outside the reserved range: application-defined by the server.</summary>
    Application,
}

/// <summary>JSON-RPC 2.0 and MCP error codes, and their mapping onto <see cref="McpErrorKind"/>.</summary>
internal static class JsonRpcErrorCodes
{
    /// <summary>Invalid JSON was received.</summary>
    public const int ParseError = -32700;

    /// <summary>The JSON sent is not a valid Request object.</summary>
    public const int InvalidRequest = -32600;

    /// <summary>The method does not exist or is not available.</summary>
    public const int MethodNotFound = -32601;

    /// <summary>Invalid method parameters.</summary>
    public const int InvalidParams = -32602;

    /// <summary>Internal JSON-RPC error.</summary>
    public const int InternalError = -32603;

    /// <summary>The SDK servers' generic transport-level error ("Bad Request: …", "Not Acceptable: …").</summary>
    public const int GenericServerError = -32000;

    /// <summary>TypeScript SDK: "Session not found" (with HTTP 404). Implementation-defined; see the kind.</summary>
    public const int SessionNotFoundTypeScriptSdk = -32001;

    /// <summary>MCP up to 2025-11-25: resource not found.</summary>
    public const int ResourceNotFound = -32002;

    /// <summary>MCP 2026-07-28: headers do not match the body.</summary>
    public const int HeaderMismatch = -32020;

    /// <summary>MCP 2026-07-28: a required client capability is missing.</summary>
    public const int MissingRequiredClientCapability = -32021;

    /// <summary>MCP 2026-07-28: unsupported protocol version.</summary>
    public const int UnsupportedProtocolVersion = -32022;

    /// <summary>MCP 2025-11-25: URL elicitation required.</summary>
    public const int UrlElicitationRequired = -32042;

    /// <summary>Maps a code onto its meaning for this client.</summary>
    // Spec (2026-07-28 basic): "-32000 to -32019 — legacy ... Apart from -32002 (see below), receivers MUST NOT
    // assume any specific meaning for these codes."
    public static McpErrorKind Classify(long code) => code switch
    {
        ParseError => McpErrorKind.ParseError,
        InvalidRequest => McpErrorKind.InvalidRequest,
        MethodNotFound => McpErrorKind.MethodNotFound,
        InvalidParams => McpErrorKind.InvalidParams,
        InternalError => McpErrorKind.InternalError,
        ResourceNotFound => McpErrorKind.ResourceNotFound,
        HeaderMismatch => McpErrorKind.HeaderMismatch,
        MissingRequiredClientCapability => McpErrorKind.MissingRequiredClientCapability,
        UnsupportedProtocolVersion => McpErrorKind.UnsupportedProtocolVersion,
        UrlElicitationRequired => McpErrorKind.UrlElicitationRequired,
        >= -32019 and <= -32000 => McpErrorKind.ImplementationDefined,
        >= -32768 and <= -32000 => McpErrorKind.ReservedUnknown,
        _ => McpErrorKind.Application,
    };

    /// <summary>
    /// True for the errors a 2026-07-28 server answers with: seeing one on a 4xx means the server is modern, so
    /// the client must fix the request or retry another revision instead of falling back to initialize.
    /// </summary>
    // Spec (2026-07-28 streamable-http, Backward Compatibility): "If the body contains a recognized modern
    // JSON-RPC error, the server speaks a modern version of MCP".
    public static bool IsModernProtocolError(long code) =>
        code is HeaderMismatch or MissingRequiredClientCapability or UnsupportedProtocolVersion;
}
