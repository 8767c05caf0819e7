namespace Cortex.Mcp.Fast.Resilience;

/// <summary>Throw helpers for option setters, so every message has one shape: "Name must be ...".</summary>
internal static class OptionGuard
{
    /// <summary>The exception for an out-of-range option value.</summary>
    public static ArgumentOutOfRangeException OutOfRange<T>(string name, T value, string message) =>
        new(name, value, message);

    /// <summary>Throws unless <paramref name="min"/> ≤ <paramref name="value"/> ≤ <paramref name="max"/>.</summary>
    public static void InRange(TimeSpan value, TimeSpan min, TimeSpan max, string name, string range)
    {
        if (value < min || value > max)
        {
            throw OutOfRange(name, value, $"{name} must be between {range}.");
        }
    }
}
