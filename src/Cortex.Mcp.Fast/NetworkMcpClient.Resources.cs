using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast;

/// <summary>Resource streams.</summary>
public sealed partial class NetworkMcpClient
{
    private static readonly Transports.Utf8ItemReader<JsonElement> s_readElement = static utf8 =>
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
        var element = JsonElement.ParseValue(ref reader);
        if (reader.Read())
        {
            throw new JsonException("Trailing data after the JSON item.");
        }

        return element;
    };

    /// <summary>
    /// Streams a resource: one JSON item per server-sent event, handed out as it arrives. Items that are not valid
    /// JSON are skipped, logged and counted (see <see cref="Diagnostics.ServiceDiagnostics.InvalidStreamItems"/>).
    /// </summary>
    /// <param name="service">The service name.</param>
    /// <param name="path">REST: the resource path, escaped segment by segment, which must stay under the endpoint.
    /// MCP Streamable HTTP: the resource URI (absolute, no control characters), read with <c>resources/read</c>;
    /// one item per entry of its <c>contents</c> (the text or blob object).</param>
    /// <param name="cancellationToken">Stops the stream.</param>
    /// <exception cref="ResourceStreamException">The stream failed to open or broke.</exception>
    public IAsyncEnumerable<JsonElement> GetResourceAsync(string service, string path, CancellationToken cancellationToken = default) =>
        StreamAsync(service, path, s_readElement, cancellationToken);

    /// <summary>Streams a resource, reading each item as <typeparamref name="T"/> directly from its bytes (AOT-safe).</summary>
    public IAsyncEnumerable<T> GetResourceAsync<T>(string service, string path, JsonTypeInfo<T> itemTypeInfo, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(itemTypeInfo);
        return StreamAsync(service, path, utf8 => JsonSerializer.Deserialize(utf8, itemTypeInfo)!, cancellationToken);
    }

    private async IAsyncEnumerable<T> StreamAsync<T>(string service, string path, Transports.Utf8ItemReader<T> readItem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (RejectService(service, path) is { } rejection)
        {
            throw rejection;
        }

        if (string.IsNullOrEmpty(path))
        {
            throw ErrorFactory.InvalidResourcePath(service, string.Empty, "a resource path must not be empty.");
        }

        // Each protocol has its own rule (a REST path escaped segment by segment, an MCP resource URI); the
        // transport applies it once the service is resolved, still before any request is sent.
        var dispatcher = await GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        if (dispatcher.Endpoint.Transport.ValidateResourcePath(path) is { } refused)
        {
            throw ErrorFactory.InvalidResourcePath(service, path, refused);
        }

        await foreach (var item in dispatcher.Streams.ReadResourceAsync(path!, readItem, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }
}
