namespace Cortex.Mcp.Fast;

/// <summary>Per-call overrides of a service's defaults.</summary>
/// <remarks>Instances may be shared and reused across calls; the client never mutates them.</remarks>
public sealed class ToolCallOptions
{
    /// <summary>Gets or sets the call's deadline (queue wait, every attempt and every backoff), or null for the service default.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Gets or sets the number of retries after the first attempt, or null for the service default.</summary>
    /// <value>The default value is <see langword="null"/>. 0 means exactly one attempt.</value>
    public int? MaxRetries { get; init; }

    /// <summary>
    /// Gets or sets whether the tool may safely run twice. A non-idempotent call is retried only when the request
    /// provably never left this process.
    /// </summary>
    /// <value>The default value is <see langword="true"/> (the seed retries every call).</value>
    public bool Idempotent { get; init; } = true;

    /// <summary>Options that mark a call non-idempotent and keep every other default.</summary>
    public static ToolCallOptions NonIdempotent { get; } = new() { Idempotent = false };
}
