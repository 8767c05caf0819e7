using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>
/// The HTTP engine of one endpoint, under both protocols: <see cref="SocketsHttpEngine"/> (the default, on
/// <see cref="SocketsHttpHandler"/>) or <see cref="Direct.DirectHttpEngine"/> (HTTP/1.1 on Pipelines.Sockets.Unofficial,
/// opt-in). Transports prepare a <see cref="HttpTarget"/> once per address, send requests with the fields that vary,
/// and read an <see cref="HttpEngineResponse"/>.
/// </summary>
/// <remarks>Thread-safe. Per-call deadlines come from the callers' tokens; the engine bounds only the connect.</remarks>
internal interface IHttpEngine : IAsyncDisposable
{
    /// <summary>Gets the endpoint, ending with '/'.</summary>
    Uri BaseAddress { get; }

    /// <summary>Gets the connections currently open.</summary>
    int OpenConnections { get; }

    /// <summary>Prepares the fixed part of requests to <paramref name="uri"/> (do it once per address).</summary>
    /// <exception cref="ArgumentException">The address or a value cannot be sent.</exception>
    HttpTarget CreateTarget(HttpMethod method, Uri uri, string? accept, string? contentType);

    /// <summary>Sends a request and returns once the final response head has arrived.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <remarks>Every other failure is the engine's own exception: map it with <see cref="MapFailure"/>.</remarks>
    ValueTask<HttpEngineResponse> SendAsync(HttpTarget target, HttpRequestFields fields, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>Opens up to <paramref name="connections"/> connections ahead of the first call (best effort).</summary>
    ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken);

    /// <summary>
    /// Turns what this engine threw into a <see cref="TransportFailure"/>; null for an
    /// <see cref="OperationCanceledException"/> caused by <paramref name="cancellationToken"/> (rethrown as is).
    /// </summary>
    /// <param name="exception">What the engine threw.</param>
    /// <param name="responseStarted">Whether the response head had arrived (then the request surely reached the server).</param>
    /// <param name="cancellationToken">The request's token.</param>
    TransportFailure? MapFailure(Exception exception, bool responseStarted, CancellationToken cancellationToken);

    /// <summary>True when <paramref name="exception"/>, thrown while reading a body, means the connection broke
    /// (a stream may be resumed), as opposed to a programming error.</summary>
    bool IsBrokenConnection(Exception exception);
}
