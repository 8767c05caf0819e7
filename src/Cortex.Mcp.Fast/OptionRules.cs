using System.Globalization;

namespace Cortex.Mcp.Fast;

/// <summary>
/// Validation rules shared by the option classes, so every setter validates the same way and every message has one
/// shape: "Name must be ...". Each rule returns the value it accepted, for <c>set =&gt; _field = Rule(value, ...)</c>.
/// </summary>
/// <remarks>The exception's parameter name is the option's name, except where a setter passes
/// <c>paramName: nameof(value)</c> (the integer limits of <see cref="HttpOptions"/>, <see cref="StreamOptions"/> and
/// <see cref="QueueOptions"/> always reported <c>value</c>; kept so their exceptions do not change).</remarks>
internal static class OptionRules
{
    /// <summary>Accepts a positive, finite time span.</summary>
    public static TimeSpan Positive(TimeSpan value, string name) =>
        value > TimeSpan.Zero && value != Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive, finite time span.");

    /// <summary>Accepts <paramref name="min"/> ≤ <paramref name="value"/> ≤ <paramref name="max"/>.</summary>
    public static int InRange(int value, int min, int max, string name, string? paramName = null) =>
        value >= min && value <= max
            ? value
            : throw OutOfRange(paramName ?? name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max}."));

    /// <summary>Accepts <paramref name="min"/> ≤ <paramref name="value"/> ≤ <paramref name="max"/> (never NaN).</summary>
    public static double InRange(double value, double min, double max, string name) =>
        value >= min && value <= max
            ? value
            : throw OutOfRange(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max}."));

    /// <summary>Accepts <paramref name="min"/> ≤ <paramref name="value"/> ≤ <paramref name="max"/>; the message names
    /// the limits as <paramref name="range"/> (for example "1 ms and 1 day").</summary>
    public static TimeSpan InRange(TimeSpan value, TimeSpan min, TimeSpan max, string name, string range) =>
        value >= min && value <= max
            ? value
            : throw OutOfRange(name, value, $"{name} must be between {range}.");

    /// <summary>Accepts <paramref name="value"/> ≥ <paramref name="min"/>.</summary>
    public static int AtLeast(int value, int min, string name) =>
        value >= min
            ? value
            : throw OutOfRange(name, value, string.Create(CultureInfo.InvariantCulture, $"{name} must be at least {min}."));

    /// <summary>The exception for an out-of-range option value, for rules of their own.</summary>
    public static ArgumentOutOfRangeException OutOfRange<T>(string name, T value, string message) =>
        new(name, value, message);
}
