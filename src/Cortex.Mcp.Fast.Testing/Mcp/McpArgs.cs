using System.Text.Json;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>Reads top-level members of a tool's arguments object with a <see cref="Utf8JsonReader"/> (no
/// document, no allocation for numbers).</summary>
internal static class McpArgs
{
    /// <summary>Finds <paramref name="name"/>; false when absent or <c>null</c>.</summary>
    public static bool TryFind(ReadOnlySpan<byte> args, ReadOnlySpan<byte> name, out Utf8JsonReader value)
    {
        var reader = new Utf8JsonReader(args);
        reader.Read(); // StartObject: the parser only keeps objects as arguments
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            if (match)
            {
                value = reader;
                return reader.TokenType != JsonTokenType.Null;
            }

            reader.Skip();
        }

        value = default;
        return false;
    }

    /// <summary>An optional integer in [<paramref name="min"/>, <paramref name="max"/>]; false when present but
    /// not such an integer.</summary>
    public static bool TryGetInt(ReadOnlySpan<byte> args, ReadOnlySpan<byte> name, int fallback, int min, int max,
        out int value)
    {
        if (!TryFind(args, name, out var reader))
        {
            value = fallback;
            return true;
        }

        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out value) && value >= min && value <= max
            || Fail(out value);
    }

    /// <summary>An optional string (numbers are taken as their text); null when absent.</summary>
    public static string? GetString(ReadOnlySpan<byte> args, ReadOnlySpan<byte> name)
    {
        if (!TryFind(args, name, out var reader))
        {
            return null;
        }

        return reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString(),
            JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            _ => null,
        };
    }

    private static bool Fail(out int value)
    {
        value = 0;
        return false;
    }
}
