namespace Cortex.Mcp.Fast;

/// <summary>
/// One <c>notifications/resources/updated</c> for a subscribed resource: the resource changed and may be read again
/// (with <see cref="NetworkMcpClient.GetResourceAsync(string, string, CancellationToken)"/>).
/// </summary>
public sealed class McpResourceUpdate
{
    /// <summary>Creates an update for <paramref name="uri"/>.</summary>
    /// <param name="uri">The URI of the resource that changed.</param>
    internal McpResourceUpdate(string uri) => Uri = uri;

    /// <summary>Gets the URI of the resource that changed.</summary>
    public string Uri { get; }
}
