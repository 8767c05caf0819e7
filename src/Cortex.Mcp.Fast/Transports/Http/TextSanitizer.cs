using System.Text;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>The one rule for server-supplied text shown to callers and logs: no control characters, bounded length,
/// invalid UTF-8 replaced (never an exception), secrets masked.</summary>
internal static class TextSanitizer
{
    /// <summary>Longest text kept, in characters.</summary>
    public const int MaxLength = 512;

    /// <summary>Decodes <paramref name="utf8"/> leniently (invalid sequences become U+FFFD) and sanitises it.</summary>
    public static string FromUtf8(ReadOnlySpan<byte> utf8, SecretRedactor redactor)
    {
        var cut = utf8.Length > MaxLength * 4 ? utf8[..(MaxLength * 4)] : utf8;
        return Sanitize(Encoding.UTF8.GetString(cut), redactor);
    }

    /// <summary>Trims, replaces control characters with spaces, masks secrets and cuts to <see cref="MaxLength"/>.</summary>
    public static string Sanitize(string? text, SecretRedactor redactor)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var span = text.AsSpan().Trim();
        var builder = new StringBuilder(Math.Min(span.Length, MaxLength + 1));
        foreach (var c in span)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        var clean = redactor.Redact(builder.ToString());
        return clean.Length > MaxLength ? string.Concat(clean.AsSpan(0, MaxLength), "…") : clean;
    }
}
