namespace Cortex.Mcp.Fast;

/// <summary>
/// One <c>notifications/resources/updated</c> for a subscribed resource: the resource changed and may be read again
/// (with <see cref="NetworkMcpClient.GetResourceAsync(string, string, CancellationToken)"/>).
/// </summary>
/// <param name="Uri">The URI of the resource that changed.</param>
public sealed record McpResourceUpdate(string Uri);
