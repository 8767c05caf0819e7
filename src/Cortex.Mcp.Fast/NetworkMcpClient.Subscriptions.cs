using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast;

/// <summary>Resource subscriptions (MCP Streamable HTTP services only).</summary>
public sealed partial class NetworkMcpClient
{
    /// <summary>
    /// Subscribes to changes of an MCP resource (<c>resources/subscribe</c>) and yields one
    /// <see cref="McpResourceUpdate"/> per <c>notifications/resources/updated</c> the server sends for
    /// <paramref name="uri"/>, until <paramref name="cancellationToken"/> is cancelled or the enumeration is disposed;
    /// then <c>resources/unsubscribe</c> is sent (best effort).
    /// </summary>
    /// <remarks>
    /// <para>Takes one stream slot of the service for as long as it runs (like
    /// <see cref="GetResourceAsync(string, string, CancellationToken)"/>). Updates arrive on the session's one
    /// standalone GET stream, opened by the first subscription and shared by all of them; a dropped stream is
    /// reopened with <c>Last-Event-ID</c>, and after a new session every URI is subscribed again.</para>
    /// <para>Each subscription buffers at most 64 updates; when the consumer falls behind, the oldest are dropped
    /// (an update only says "read it again", so the newest carries all there is to know).</para>
    /// </remarks>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="uri">The resource URI (absolute, no control characters).</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <returns>The updates, as they arrive.</returns>
    /// <exception cref="ResourceStreamException">The server refused the standalone stream (for example 405: it
    /// offers none), refused the subscription, or the stream could not be reopened.</exception>
    /// <exception cref="ServiceCallException">The service does not speak MCP Streamable HTTP.</exception>
    public IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string service, string uri, CancellationToken cancellationToken = default) =>
        SubscribeCoreAsync(service, uri, cancellationToken);

    private async IAsyncEnumerable<McpResourceUpdate> SubscribeCoreAsync(string service, string uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (RejectService(service, uri) is { } rejection)
        {
            throw rejection;
        }

        if (string.IsNullOrEmpty(uri))
        {
            throw ErrorFactory.InvalidResourcePath(service, string.Empty, "a resource URI must not be empty.");
        }

        var dispatcher = await GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        if (dispatcher.Options.Protocol == McpProtocol.Rest)
        {
            throw ErrorFactory.NotSupported(service, uri, "the service does not speak MCP Streamable HTTP; resource subscriptions need MCP.");
        }

        if (dispatcher.Endpoint.Transport.ValidateResourcePath(uri) is { } refused)
        {
            throw ErrorFactory.InvalidResourcePath(service, uri, refused);
        }

        var updates = dispatcher.Streams.OpenAsync(uri, OperationKind.Subscription, (transport, token) => Subscribe(transport, uri, token), cancellationToken);
        await foreach (var update in updates.ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private static IAsyncEnumerable<McpResourceUpdate> Subscribe(IMcpTransport transport, string uri, CancellationToken cancellationToken) =>
        transport.SubscribeResourceAsync(uri, cancellationToken);
}
