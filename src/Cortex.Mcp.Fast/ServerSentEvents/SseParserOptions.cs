namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// Hard limits for <see cref="SseEventReader"/>. A stream that exceeds one gets a
/// <see cref="SseLimitExceededException"/> at the limit, so the memory a server can make the reader hold is bounded.
/// </summary>
/// <remarks>
/// Setters validate eagerly. A reader copies the values when it is created, so changing an instance later does not
/// affect readers already running. <see cref="Default"/> is shared and read-only.
/// </remarks>
public sealed class SseParserOptions
{
    /// <summary>The default of <see cref="MaxLineLength"/>: 1 MiB.</summary>
    internal const int DefaultMaxLineLength = 1024 * 1024;

    /// <summary>The default of <see cref="MaxEventSize"/>: 16 MiB.</summary>
    internal const int DefaultMaxEventSize = 16 * 1024 * 1024;

    /// <summary>The default of <see cref="MaxIdLength"/>: 1 KiB.</summary>
    internal const int DefaultMaxIdLength = 1024;

    /// <summary>True for <see cref="Default"/>, whose setters throw.</summary>
    private readonly bool _isReadOnly;

    /// <summary>Backs <see cref="MaxLineLength"/>.</summary>
    private int _maxLineLength = DefaultMaxLineLength;

    /// <summary>Backs <see cref="MaxEventSize"/>.</summary>
    private int _maxEventSize = DefaultMaxEventSize;

    /// <summary>Backs <see cref="MaxIdLength"/>.</summary>
    private int _maxIdLength = DefaultMaxIdLength;

    /// <summary>Creates options with the default limits.</summary>
    public SseParserOptions()
    {
    }

    private SseParserOptions(bool isReadOnly) => _isReadOnly = isReadOnly;

    /// <summary>Gets the shared, read-only options with the default limits.</summary>
    public static SseParserOptions Default { get; } = new(isReadOnly: true);

    /// <summary>Gets or sets the longest line accepted, in bytes, not counting its line ending.</summary>
    /// <value>The default value is 1 MiB (1,048,576). Must be between 1 and <see cref="Array.MaxLength"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive or is above <see cref="Array.MaxLength"/>.</exception>
    /// <exception cref="InvalidOperationException">The instance is <see cref="Default"/>.</exception>
    public int MaxLineLength
    {
        get => _maxLineLength;
        set => _maxLineLength = Validate(value);
    }

    /// <summary>Gets or sets the largest data of one event accepted, in bytes: its data lines joined with LF.</summary>
    /// <value>The default value is 16 MiB (16,777,216). Must be between 1 and <see cref="Array.MaxLength"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive or is above <see cref="Array.MaxLength"/>.</exception>
    /// <exception cref="InvalidOperationException">The instance is <see cref="Default"/>.</exception>
    public int MaxEventSize
    {
        get => _maxEventSize;
        set => _maxEventSize = Validate(value);
    }

    /// <summary>Gets or sets the longest <c>id</c> field value accepted, in bytes.</summary>
    /// <value>The default value is 1 KiB (1,024). Must be between 1 and <see cref="Array.MaxLength"/>.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive or is above <see cref="Array.MaxLength"/>.</exception>
    /// <exception cref="InvalidOperationException">The instance is <see cref="Default"/>.</exception>
    public int MaxIdLength
    {
        get => _maxIdLength;
        set => _maxIdLength = Validate(value);
    }

    private int Validate(int value)
    {
        if (_isReadOnly)
        {
            throw new InvalidOperationException("SseParserOptions.Default is shared and read-only; create a new SseParserOptions instead.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Array.MaxLength);
        return value;
    }
}
