namespace Cortex.Mcp.Fast;

/// <summary>Resource streams and subscriptions of one service: how many, how long to open, when a stream has stalled,
/// and how often a dropped stream is reopened.</summary>
/// <remarks>Configuration keys: <c>Streams:MaxConcurrent</c>, <c>Streams:OpenTimeout</c>,
/// <c>Streams:LineProgressTimeout</c>, <c>Streams:EventProgressTimeout</c>, <c>Streams:MaxReconnectAttempts</c>.</remarks>
public sealed class StreamOptions
{
    /// <summary>Created by <see cref="McpServiceOptions"/>, which owns one of each group; set its properties.</summary>
    internal StreamOptions()
    {
    }

    private int _maxConcurrent = 4;
    private int _maxReconnectAttempts = 5;
    private TimeSpan _openTimeout = TimeSpan.FromSeconds(60);
    private TimeSpan _lineProgressTimeout = TimeSpan.FromSeconds(30);
    private TimeSpan? _eventProgressTimeout;

    /// <summary>Gets or sets the number of resource streams and subscriptions that may be open at once (stream slots).</summary>
    /// <value>The default value is 4. Must be between 1 and 1024.</value>
    public int MaxConcurrent
    {
        get => _maxConcurrent;
        set => _maxConcurrent = OptionRules.InRange(value, 1, 1024, nameof(MaxConcurrent), paramName: nameof(value));
    }

    /// <summary>Gets or sets the time allowed to open a resource stream (a free slot and the response headers).</summary>
    /// <value>The default value is 60 seconds. Must be positive.</value>
    public TimeSpan OpenTimeout
    {
        get => _openTimeout;
        set => _openTimeout = OptionRules.Positive(value, nameof(OpenTimeout));
    }

    /// <summary>
    /// Gets or sets how long bytes may keep arriving on a stream without completing a line before the stream is
    /// ended as stalled (a server that trickles a line byte by byte holds a slot forever otherwise). Applies to
    /// every stream; a stream on which nothing arrives at all is not stalled by this rule.
    /// </summary>
    /// <value>The default value is 30 seconds. Must be positive.</value>
    public TimeSpan LineProgressTimeout
    {
        get => _lineProgressTimeout;
        set => _lineProgressTimeout = OptionRules.Positive(value, nameof(LineProgressTimeout));
    }

    /// <summary>
    /// Gets or sets how long a resource stream may go without a data event (comment heartbeats do not count) before
    /// it is ended as stalled, or null for no limit. Subscriptions, which may rightly be quiet for hours, ignore it.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: a quiet resource is legitimate.</value>
    public TimeSpan? EventProgressTimeout
    {
        get => _eventProgressTimeout;
        set => _eventProgressTimeout = value is null ? null : OptionRules.Positive(value.Value, nameof(EventProgressTimeout));
    }

    /// <summary>
    /// Gets or sets how many times in a row a dropped stream is reopened (with <c>Last-Event-ID</c>) before it ends
    /// with a typed error. The first reopen waits exactly the server's <c>retry</c> (or one second); repeated failures
    /// back off exponentially from a floor. A stream that drops without carrying a message counts as a failure.
    /// </summary>
    /// <value>The default value is 5. Must be between 0 and 100.</value>
    public int MaxReconnectAttempts
    {
        get => _maxReconnectAttempts;
        set => _maxReconnectAttempts = OptionRules.InRange(value, 0, 100, nameof(MaxReconnectAttempts), paramName: nameof(value));
    }

    internal StreamOptions Clone() => (StreamOptions)MemberwiseClone();
}
