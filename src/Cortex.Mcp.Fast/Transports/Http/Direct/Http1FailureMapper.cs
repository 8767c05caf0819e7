using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// Turns what the direct engine throws into a <see cref="TransportFailure"/>, the report the error path builds from
/// (the direct engine's counterpart of <see cref="HttpFailureMapper"/>).
/// </summary>
internal static class Http1FailureMapper
{
    /// <summary>
    /// Maps an exception of one request; null for an <see cref="OperationCanceledException"/> caused by
    /// <paramref name="cancellationToken"/>, which the caller rethrows as is.
    /// </summary>
    /// <param name="exception">What the engine threw.</param>
    /// <param name="connectTimeout">The engine's connect timeout, for the timeout report.</param>
    /// <param name="cancellationToken">The request's token.</param>
    public static TransportFailure? Map(Exception exception, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case TransportFailure failure:
                return failure;

            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;

            case Http1ProtocolException protocol:
                return TransportFailure.Protocol($"the server sent an invalid HTTP response ({protocol.Error}).", protocol);

            case Http1ConnectionException { TlsHandshakeFailed: true } tls:
                // TLS failures are configuration problems, not transient: never sent, not retried.
                return TransportFailure.Tls("the TLS handshake failed.", tls);

            case Http1ConnectionException { RequestNotSent: true, InnerException: OperationCanceledException } timedOut:
                return TransportFailure.TimedOut(TimeoutLimit.Connect, connectTimeout, $"connecting took longer than {connectTimeout.TotalMilliseconds:F0} ms.", timedOut, notSent: true);

            case Http1ConnectionException { RequestNotSent: true } notSent:
                // No usable connection: the connect failed, or a pooled one was found closed before anything was written.
                return TransportFailure.ConnectFailed("could not connect (the request was not sent).", notSent);

            case Http1ConnectionException broken:
                return TransportFailure.Network("the connection broke after the request may have been sent.", broken);

            case IOException or System.Net.Sockets.SocketException:
                return TransportFailure.Network("the connection broke.", exception);

            default:
                return TransportFailure.Unexpected($"failed unexpectedly ({exception.GetType().Name}).", exception);
        }
    }
}
