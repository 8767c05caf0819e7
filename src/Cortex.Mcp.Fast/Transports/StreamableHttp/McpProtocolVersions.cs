using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// The MCP protocol revisions this client speaks, version negotiation, and what each revision implies for the
/// Streamable HTTP transport (handshake and session, or per-request metadata).
/// </summary>
/// <remarks>
/// Revision strings are <c>YYYY-MM-DD</c> dates, so ordinal string order is chronological order. Only the
/// constants below are ever returned: parsing a version from the wire maps onto them without allocating.
/// </remarks>
internal static class McpProtocolVersions
{
    /// <summary>The stateless revision: no <c>initialize</c>, no session, <c>Mcp-Method</c>/<c>Mcp-Name</c> headers.</summary>
    public const string V2026_07_28 = "2026-07-28";

    /// <summary>The newest handshake revision; SSE replies begin with a priming event.</summary>
    public const string V2025_11_25 = "2025-11-25";

    /// <summary>The oldest revision we propose; introduced the <c>MCP-Protocol-Version</c> header.</summary>
    public const string V2025_06_18 = "2025-06-18";

    /// <summary>
    /// Accepted only when a server answers it to our <c>initialize</c>; we never propose it. Servers that receive
    /// no <c>MCP-Protocol-Version</c> header assume it (MCP-WIRE.md §2.2).
    /// </summary>
    public const string V2025_03_26 = "2025-03-26";

    /// <summary>The newest revision we support (what a modern request carries first).</summary>
    public const string Latest = V2026_07_28;

    /// <summary>The revision we propose in an <c>initialize</c> request (the newest one that has a handshake).</summary>
    public const string LatestWithHandshake = V2025_11_25;

    /// <summary>First revision without the handshake; every revision before it uses <c>initialize</c> + session.</summary>
    private const string FirstStateless = V2026_07_28;

    /// <summary>First revision whose POST SSE streams open with a priming event (id + empty data).</summary>
    private const string FirstWithPriming = V2025_11_25;

    /// <summary>Revisions we propose, newest first.</summary>
    private static readonly string[] s_supported = [V2026_07_28, V2025_11_25, V2025_06_18];

    /// <summary>Revisions we propose, newest first: 2026-07-28, 2025-11-25, 2025-06-18.</summary>
    public static IReadOnlyList<string> Supported => s_supported;

    /// <summary>True for a revision we would propose.</summary>
    public static bool IsSupported(string? version) => version is V2026_07_28 or V2025_11_25 or V2025_06_18;

    /// <summary>
    /// True for a revision we accept from a server's <c>initialize</c> result: everything we support plus 2025-03-26.
    /// </summary>
    // Spec (2025-11-25 lifecycle): "If the client does not support the version in the server's response, it
    // SHOULD disconnect."
    public static bool IsAcceptedFromServer(string? version) => IsSupported(version) || version is V2025_03_26;

    /// <summary>
    /// Maps a version read from the wire (UTF-8, unescaped JSON string contents) onto one of the constants,
    /// without allocating. Unknown versions return false.
    /// </summary>
    public static bool TryGetKnown(ReadOnlySpan<byte> utf8Version, [NotNullWhen(true)] out string? version)
    {
        version = utf8Version switch
        {
            _ when utf8Version.SequenceEqual("2026-07-28"u8) => V2026_07_28,
            _ when utf8Version.SequenceEqual("2025-11-25"u8) => V2025_11_25,
            _ when utf8Version.SequenceEqual("2025-06-18"u8) => V2025_06_18,
            _ when utf8Version.SequenceEqual("2025-03-26"u8) => V2025_03_26,
            _ => null,
        };
        return version is not null;
    }

    /// <summary>
    /// Negotiation helper: the newest of our revisions that the server also lists (newest-first preference),
    /// or null when there is none. Used with the <c>supported</c> list of an UnsupportedProtocolVersion error.
    /// </summary>
    public static string? SelectNewestCommon(IEnumerable<string> serverVersions)
    {
        ArgumentNullException.ThrowIfNull(serverVersions);
        string? best = null;
        foreach (var candidate in serverVersions)
        {
            if (IsSupported(candidate) && (best is null || string.CompareOrdinal(candidate, best) > 0))
            {
                best = candidate;
            }
        }

        return best;
    }

    /// <summary>
    /// Reads the <c>data.supported</c> array of a 2026-07-28 <c>UnsupportedProtocolVersion</c> (-32022) error
    /// and picks the newest revision both sides support. <paramref name="errorData"/> is the raw JSON of
    /// <c>error.data</c>. Returns false for malformed data or when nothing is in common; never throws.
    /// </summary>
    // Spec (2026-07-28 versioning): "The client SHOULD select a mutually supported version from the supported
    // list and retry the request, or surface an error to the user if no compatible version exists."
    public static bool TrySelectFromUnsupportedVersionData(ReadOnlySpan<byte> errorData, [NotNullWhen(true)] out string? version)
    {
        version = null;
        try
        {
            var reader = new Utf8JsonReader(errorData, new JsonReaderOptions { MaxDepth = JsonRpcMessageReader.MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSupported = reader.ValueTextEquals("supported"u8);
                reader.Read();
                if (!isSupported || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped
                        && TryGetKnown(reader.ValueSpan, out var known) && IsSupported(known)
                        && (version is null || string.CompareOrdinal(known, version) > 0))
                    {
                        version = known;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException)
        {
            version = null;
        }

        return version is not null;
    }

    /// <summary>
    /// True when the revision establishes a session with an <c>initialize</c> handshake (every revision before
    /// 2026-07-28), false for the stateless per-request-metadata form.
    /// </summary>
    public static bool UsesInitializeHandshake(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return string.CompareOrdinal(version, FirstStateless) < 0;
    }

    /// <summary>
    /// True when every request carries <c>_meta</c> protocol metadata and the <c>Mcp-Method</c> / <c>Mcp-Name</c>
    /// headers (2026-07-28 and later).
    /// </summary>
    public static bool UsesRequestMetadataHeaders(string version) => !UsesInitializeHandshake(version);

    /// <summary>True when a stream may be resumed by GET with <c>Last-Event-ID</c> (handshake revisions only).</summary>
    // Spec (2026-07-28 transports): "Resumable SSE streams via Last-Event-ID are not supported."
    public static bool SupportsResumption(string version) => UsesInitializeHandshake(version);

    /// <summary>True when the server opens each POST SSE stream with a priming event (2025-11-25 only).</summary>
    public static bool SendsPrimingEvent(string version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return string.CompareOrdinal(version, FirstWithPriming) >= 0 && UsesInitializeHandshake(version);
    }
}
