using System.Globalization;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>Parsers for the load command's time and latency values.</summary>
public static class LoadArguments
{
    /// <summary>
    /// A duration: a number with unit <c>ms</c>, <c>s</c>, <c>m</c> or <c>h</c> (<c>500ms</c>, <c>30s</c>, <c>2m</c>);
    /// a bare number is seconds.
    /// </summary>
    public static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        if (!TrySplit(text, out var number, out var unit))
        {
            return false;
        }

        double? seconds = unit switch
        {
            "" or "s" => number,
            "ms" => number / 1000,
            "m" or "min" => number * 60,
            "h" => number * 3600,
            _ => null,
        };
        if (seconds is not { } s || s > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(s);
        return true;
    }

    /// <summary>
    /// A latency limit in microseconds: a number with unit <c>us</c> (or <c>µs</c>), <c>ms</c> or <c>s</c>
    /// (<c>800us</c>, <c>250ms</c>, <c>1.5s</c>); a bare number is milliseconds.
    /// </summary>
    public static bool TryParseLatencyMicros(string text, out double micros)
    {
        micros = 0;
        if (!TrySplit(text, out var number, out var unit))
        {
            return false;
        }

        double? value = unit switch
        {
            "us" or "µs" => number,
            "" or "ms" => number * 1000,
            "s" => number * 1_000_000,
            _ => null,
        };
        if (value is not { } v)
        {
            return false;
        }

        micros = v;
        return true;
    }

    private static bool TrySplit(string text, out double number, out string unit)
    {
        number = 0;
        unit = string.Empty;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var split = trimmed.Length;
        while (split > 0 && !char.IsAsciiDigit(trimmed[split - 1]) && trimmed[split - 1] != '.')
        {
            split--;
        }

        unit = trimmed[split..].Trim().ToLowerInvariant();
        return double.TryParse(trimmed.AsSpan(0, split), NumberStyles.Float, CultureInfo.InvariantCulture, out number)
            && double.IsFinite(number) && number >= 0;
    }
}
