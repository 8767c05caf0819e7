namespace Cortex.Mcp.Fast.Testing.Internal;

/// <summary>The check behind every enum-valued setting of the service.</summary>
internal static class EnumGuard
{
    /// <summary>Returns <paramref name="value"/>, or throws <see cref="ArgumentOutOfRangeException"/> ("Unknown
    /// <typeparamref name="TEnum"/>.", parameter <c>value</c>) when it is not a defined member.</summary>
    public static TEnum Defined<TEnum>(TEnum value)
        where TEnum : struct, Enum
        => Enum.IsDefined(value)
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"Unknown {typeof(TEnum).Name}.");
}
