namespace Cortex.Mcp.Fast;

/// <summary>
/// Answers a server's <c>roots/list</c>: the filesystem roots the server may work in. Set it as
/// <see cref="McpOptions.RootsHandler"/>; the client then declares the <c>roots</c> capability with
/// <c>listChanged</c>, and <see cref="NetworkMcpClient.NotifyRootsChangedAsync"/> tells the server to ask again.
/// </summary>
/// <param name="request">Who asks.</param>
/// <param name="cancellationToken">Fires when the answer is no longer wanted.</param>
/// <returns>The roots (may be empty). A thrown exception is answered with JSON-RPC error -32603.</returns>
public delegate ValueTask<IReadOnlyList<McpRoot>> McpRootsHandler(McpRootsRequest request, CancellationToken cancellationToken);

/// <summary>The context of a server's <c>roots/list</c> request.</summary>
public sealed class McpRootsRequest
{
    /// <summary>Gets the name of the service that sent the request.</summary>
    public required string Service { get; init; }
}

/// <summary>One root: a directory or file the server may work in.</summary>
public sealed class McpRoot
{
    /// <summary>Gets the root's URI (the protocol expects <c>file://</c> URIs for now).</summary>
    public required string Uri { get; init; }

    /// <summary>Gets a human-readable name, or null.</summary>
    public string? Name { get; init; }
}
