namespace Cortex.Mcp.Fast.Transports;

/// <summary>Reads one item of a resource stream from its UTF-8 JSON bytes; throws <see cref="System.Text.Json.JsonException"/> on bad input.</summary>
internal delegate T Utf8ItemReader<out T>(ReadOnlySpan<byte> utf8Json);

/// <summary>
/// One protocol spoken to one endpoint. The dispatcher knows only this interface, never HTTP types.
/// </summary>
/// <remarks>
/// Contract: a failure is thrown as a <see cref="ServiceCallException"/> whose
/// <see cref="ServiceCallException.FailureKind"/>, <see cref="ServiceCallException.StatusCode"/>,
/// <see cref="ServiceCallException.RequestNotSent"/> and <see cref="ServiceCallException.RetryAfter"/> let the
/// dispatcher decide on retries and the breaker; an <see cref="OperationCanceledException"/> is thrown only when
/// <c>cancellationToken</c> fired. Implementations are thread-safe.
/// </remarks>
internal interface IMcpTransport : IAsyncDisposable
{
    /// <summary>The endpoint this transport talks to.</summary>
    Uri Endpoint { get; }

    /// <summary>Connections currently open to the endpoint.</summary>
    int OpenConnections { get; }

    /// <summary>Opens up to <paramref name="connections"/> pooled connections ahead of use.</summary>
    ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken);

    /// <summary>Sends one attempt of a tool call and returns its result.</summary>
    /// <param name="service">The service name, for errors.</param>
    /// <param name="tool">The tool name.</param>
    /// <param name="argumentsUtf8">The arguments object as UTF-8 JSON.</param>
    /// <param name="progress">Receives progress notifications, or null (then none are requested).</param>
    /// <param name="cancellationToken">Aborts the attempt.</param>
    ValueTask<ToolResult> CallToolAsync(string service, string tool, ReadOnlyMemory<byte> argumentsUtf8, IProgress<McpProgress>? progress, CancellationToken cancellationToken);

    /// <summary>
    /// Checks a resource path (or URI) before any I/O; returns null when acceptable, else the reason it is not.
    /// </summary>
    string? ValidateResourcePath(string path);

    /// <summary>
    /// Streams a resource: one item per data event, read with <paramref name="readItem"/>. Items that fail to read
    /// are skipped and reported through <paramref name="onInvalidItem"/>.
    /// </summary>
    IAsyncEnumerable<T> StreamResourceAsync<T>(
        string service,
        string path,
        Utf8ItemReader<T> readItem,
        Action<Exception> onInvalidItem,
        CancellationToken cancellationToken);
}
