namespace Cortex.Mcp.Fast;

/// <summary>What an argument completion is for (<c>completion/complete</c>'s <c>ref</c>): a prompt or a resource template.</summary>
public sealed class McpCompletionReference
{
    private McpCompletionReference(bool isPrompt, string value)
    {
        IsPrompt = isPrompt;
        Value = value;
    }

    /// <summary>Gets whether this names a prompt (<c>ref/prompt</c>); else a resource template (<c>ref/resource</c>).</summary>
    public bool IsPrompt { get; }

    /// <summary>Gets the prompt's name or the template's URI.</summary>
    public string Value { get; }

    /// <summary>A reference to the prompt named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">The name is null or empty.</exception>
    public static McpCompletionReference ForPrompt(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return new McpCompletionReference(true, name);
    }

    /// <summary>A reference to the resource template <paramref name="uriTemplate"/>.</summary>
    /// <exception cref="ArgumentException">The template is null or empty.</exception>
    public static McpCompletionReference ForResourceTemplate(string uriTemplate)
    {
        ArgumentException.ThrowIfNullOrEmpty(uriTemplate);
        return new McpCompletionReference(false, uriTemplate);
    }
}

/// <summary>The server's suggestions for one argument (<c>completion/complete</c>).</summary>
public sealed class McpCompletion
{
    internal McpCompletion(IReadOnlyList<string> values) => Values = values;

    /// <summary>Gets the suggested values (the spec allows at most 100).</summary>
    public IReadOnlyList<string> Values { get; }

    /// <summary>Gets the total number of matches, when the server knows it.</summary>
    public int? Total { get; internal init; }

    /// <summary>Gets whether there are more matches than <see cref="Values"/>.</summary>
    public bool HasMore { get; internal init; }
}
