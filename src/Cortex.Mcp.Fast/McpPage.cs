namespace Cortex.Mcp.Fast;

/// <summary>One page of a paginated MCP list (<c>tools/list</c>, <c>resources/list</c>, …).</summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class McpPage<T>
{
    internal McpPage(IReadOnlyList<T> items, string? nextCursor)
    {
        Items = items;
        NextCursor = nextCursor;
    }

    /// <summary>Gets the items of this page, in the server's order.</summary>
    public IReadOnlyList<T> Items { get; }

    /// <summary>Gets the opaque cursor of the next page, or null when this is the last page.</summary>
    public string? NextCursor { get; }
}
