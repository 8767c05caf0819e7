namespace Cortex.Mcp.Fast;

/// <summary>
/// The behaviour hints of a tool (<c>annotations</c> in <c>tools/list</c>). They are hints from the server, not
/// guarantees: never base a security decision on them.
/// </summary>
public sealed class McpToolAnnotations
{
    internal McpToolAnnotations()
    {
    }

    /// <summary>Gets the human-readable title, when given.</summary>
    public string? Title { get; internal init; }

    /// <summary>Gets whether the tool only reads (<c>readOnlyHint</c>); null when not given (the spec's default is false).</summary>
    public bool? ReadOnlyHint { get; internal init; }

    /// <summary>Gets whether the tool may destroy data (<c>destructiveHint</c>); null when not given (the spec's default is true).</summary>
    public bool? DestructiveHint { get; internal init; }

    /// <summary>Gets whether calling it twice with the same arguments has no further effect (<c>idempotentHint</c>); null when not given.</summary>
    public bool? IdempotentHint { get; internal init; }

    /// <summary>Gets whether the tool reaches an open world of external entities (<c>openWorldHint</c>); null when not given.</summary>
    public bool? OpenWorldHint { get; internal init; }
}
