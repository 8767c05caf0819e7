namespace Cortex.Mcp.Fast;

/// <summary>Validation rules shared by the option classes.</summary>
internal static class OptionRules
{
    public static TimeSpan Positive(TimeSpan value, string name) =>
        value > TimeSpan.Zero && value != Timeout.InfiniteTimeSpan
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"{name} must be a positive, finite time span.");
}
