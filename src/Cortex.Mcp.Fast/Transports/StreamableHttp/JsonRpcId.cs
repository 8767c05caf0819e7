using System.Globalization;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>Which form a JSON-RPC <c>id</c> member took on the wire.</summary>
internal enum JsonRpcIdKind : byte
{
    /// <summary>No <c>id</c> member (notifications; some HTTP error bodies).</summary>
    None,

    /// <summary><c>"id": null</c> (error replies to requests whose id could not be read).</summary>
    Null,

    /// <summary>A JSON number.</summary>
    Number,

    /// <summary>A JSON string.</summary>
    String,
}

/// <summary>
/// A JSON-RPC request id as sent by a peer: a number or a string. <c>1</c> and <c>"1"</c> are different ids.
/// Kept so that a server→client request can be answered with its id echoed exactly.
/// </summary>
/// <remarks>
/// Integral numbers that fit in <see cref="long"/> are held as a number (0 is a valid id: server-everything
/// uses it). Any other number (fraction, exponent, out of range) is held as its raw JSON text and written back
/// verbatim, so it is still echoed exactly. Strings are held unescaped and re-escaped on write, which yields
/// the same JSON string value.
/// </remarks>
internal readonly struct JsonRpcId : IEquatable<JsonRpcId>
{
    private readonly long _number;
    private readonly string? _text;

    private JsonRpcId(JsonRpcIdKind kind, long number, string? text)
    {
        Kind = kind;
        _number = number;
        _text = text;
    }

    /// <summary>Number or String; the default value is <see cref="JsonRpcIdKind.None"/>.</summary>
    public JsonRpcIdKind Kind { get; }

    /// <summary>An integral numeric id.</summary>
    public static JsonRpcId FromNumber(long value) => new(JsonRpcIdKind.Number, value, null);

    /// <summary>A string id (the unescaped value).</summary>
    public static JsonRpcId FromString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(JsonRpcIdKind.String, 0, value);
    }

    /// <summary>A numeric id that does not fit a long, kept as its raw JSON number text.</summary>
    internal static JsonRpcId FromRawNumber(string rawJsonNumber) => new(JsonRpcIdKind.Number, 0, rawJsonNumber);

    /// <summary>True when this is an integral numeric id; <paramref name="value"/> gets it.</summary>
    public bool TryGetNumber(out long value)
    {
        value = _number;
        return Kind == JsonRpcIdKind.Number && _text is null;
    }

    /// <summary>True when this is a string id; <paramref name="value"/> gets it.</summary>
    public bool TryGetString(out string? value)
    {
        value = Kind == JsonRpcIdKind.String ? _text : null;
        return value is not null;
    }

    /// <summary>Writes the id value (not the property name) exactly as it was received.</summary>
    public void WriteValueTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (Kind)
        {
            case JsonRpcIdKind.Number when _text is null:
                writer.WriteNumberValue(_number);
                break;
            case JsonRpcIdKind.Number:
                writer.WriteRawValue(_text, skipInputValidation: false);
                break;
            case JsonRpcIdKind.String:
                writer.WriteStringValue(_text);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    /// <inheritdoc/>
    public bool Equals(JsonRpcId other) =>
        Kind == other.Kind && _number == other._number && string.Equals(_text, other._text, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is JsonRpcId other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Kind, _number, _text);

    /// <summary>Diagnostic form: <c>1</c>, <c>"1"</c>, <c>null</c> or <c>(none)</c>. Ids are not secrets.</summary>
    public override string ToString() => Kind switch
    {
        JsonRpcIdKind.Number => _text ?? _number.ToString(CultureInfo.InvariantCulture),
        JsonRpcIdKind.String => "\"" + _text + "\"",
        JsonRpcIdKind.Null => "null",
        _ => "(none)",
    };

    /// <summary>Equality operator.</summary>
    public static bool operator ==(JsonRpcId left, JsonRpcId right) => left.Equals(right);

    /// <summary>Inequality operator.</summary>
    public static bool operator !=(JsonRpcId left, JsonRpcId right) => !left.Equals(right);
}
