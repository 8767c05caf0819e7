using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// The 2026-07-28 header value encoding for <c>Mcp-Name</c> (and <c>Mcp-Param-*</c>): values that cannot travel
/// as a plain header value are sent as <c>=?base64?{Base64(UTF-8)}?=</c>.
/// </summary>
/// <remarks>
/// Rules (2026-07-28 basic/transports/streamable-http.mdx, "Value Encoding"): plain values may hold visible ASCII
/// (0x21–0x7E), and interior space (0x20) or horizontal tab (0x09). A value is encoded when it contains any other
/// character (non-ASCII, CR, LF, other controls, DEL), when it starts or ends with a space or tab, or when it
/// already looks like the sentinel (starts with <c>=?base64?</c> and ends with <c>?=</c>). The markers are
/// lowercase and case-sensitive. Our own choice: the empty string is encoded too (<c>=?base64??=</c>), because an
/// empty header value is indistinguishable from an absent one for many intermediaries.
/// </remarks>
internal static class McpHeaderValueEncoding
{
    /// <summary>Sentinel prefix; case-sensitive.</summary>
    public const string Prefix = "=?base64?";

    /// <summary>Sentinel suffix; case-sensitive.</summary>
    public const string Suffix = "?=";

    /// <summary>True when <paramref name="value"/> must be sent in the base64 sentinel form.</summary>
    public static bool RequiresEncoding(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty)
        {
            return true;
        }

        // Spec: "When a value cannot be safely represented as a plain ASCII header value (e.g., it contains
        // non-ASCII characters, control characters, or has leading/trailing whitespace), clients MUST use Base64".
        if (IsSpaceOrTab(value[0]) || IsSpaceOrTab(value[^1]))
        {
            return true;
        }

        foreach (var c in value)
        {
            if (c is not ((>= '\x20' and <= '\x7E') or '\t'))
            {
                return true;
            }
        }

        // Spec: "clients MUST also Base64-encode any plain-ASCII value that matches the sentinel pattern".
        return LooksLikeSentinel(value);
    }

    /// <summary>
    /// Returns <paramref name="value"/> itself when it is safe as a plain header value (no allocation), otherwise
    /// its sentinel form.
    /// </summary>
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!RequiresEncoding(value))
        {
            return value;
        }

        // Rare path (names outside the safe set): plain allocation is fine here.
        return string.Concat(Prefix, Convert.ToBase64String(Encoding.UTF8.GetBytes(value)), Suffix);
    }

    /// <summary>
    /// Decodes a header value: plain values are returned as they are; sentinel values must hold valid base64 (System.Convert rules)
    /// of valid UTF-8. Plain values with characters a header may not carry are refused. Used by tests and by the
    /// test service; the client itself only encodes.
    /// </summary>
    public static bool TryDecode(string headerValue, [NotNullWhen(true)] out string? value)
    {
        ArgumentNullException.ThrowIfNull(headerValue);
        value = null;
        if (!LooksLikeSentinel(headerValue))
        {
            foreach (var c in headerValue)
            {
                if (c is not ((>= '\x20' and <= '\x7E') or '\t'))
                {
                    return false;
                }
            }

            value = headerValue;
            return true;
        }

        var payload = headerValue.AsSpan(Prefix.Length, headerValue.Length - Prefix.Length - Suffix.Length);
        var bytes = new byte[(payload.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64Chars(payload, bytes, out var written))
        {
            return false;
        }

        try
        {
            value = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true)
                .GetString(bytes, 0, written);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool LooksLikeSentinel(ReadOnlySpan<char> value) =>
        value.Length >= Prefix.Length + Suffix.Length
        && value.StartsWith(Prefix, StringComparison.Ordinal)
        && value.EndsWith(Suffix, StringComparison.Ordinal);

    private static bool IsSpaceOrTab(char c) => c is ' ' or '\t';
}
