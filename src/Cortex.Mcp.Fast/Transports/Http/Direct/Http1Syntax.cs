using System.Buffers;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>The byte classes of RFC 9110/9112 the framing layer checks against.</summary>
internal static class Http1Syntax
{
    public const byte CR = (byte)'\r';
    public const byte LF = (byte)'\n';
    public const byte SP = (byte)' ';
    public const byte HT = (byte)'\t';

    /// <summary>Gets optional whitespace (OWS): SP and HTAB.</summary>
    public static ReadOnlySpan<byte> Whitespace => " \t"u8;

    /// <summary>
    /// Spec (RFC 9110 §5.6.2): "tchar = "!" / "#" / "$" / "%" / "&amp;" / "'" / "*" / "+" / "-" / "." / "^" / "_" /
    /// "`" / "|" / "~" / DIGIT / ALPHA".
    /// </summary>
    public static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>
    /// Bytes never allowed in a field value or reason phrase: the controls other than HTAB (CR, LF and NUL among
    /// them) and DEL. Spec (RFC 9110 §5.5): "field-vchar = VCHAR / obs-text" separated by SP / HTAB.
    /// </summary>
    public static readonly SearchValues<byte> InvalidValueChars = SearchValues.Create(
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 127]);

    /// <summary>Returns the value of a hex digit, or -1.</summary>
    public static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
