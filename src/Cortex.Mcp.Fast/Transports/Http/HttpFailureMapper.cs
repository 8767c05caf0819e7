using System.Net.Sockets;
using System.Security.Authentication;
using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>Turns what the HTTP stack throws into a <see cref="TransportFailure"/> (the report the error path builds from).</summary>
internal static class HttpFailureMapper
{
    /// <summary>
    /// Maps an exception of one request. Returns null for an <see cref="OperationCanceledException"/> caused by
    /// <paramref name="cancellationToken"/>, which the caller rethrows as is (the dispatcher tells caller
    /// cancellation from its deadline).
    /// </summary>
    /// <param name="exception">What the HTTP stack threw.</param>
    /// <param name="connectTimeout">The engine's connect timeout, for the timeout report.</param>
    /// <param name="responseStarted">Whether response headers had arrived (then the request certainly reached the server).</param>
    /// <param name="cancellationToken">The request's token.</param>
    public static TransportFailure? Map(Exception exception, TimeSpan connectTimeout, bool responseStarted, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case TransportFailure failure:
                return failure;

            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;

            case OperationCanceledException { InnerException: TimeoutException } connectTimedOut:
                // SocketsHttpHandler's ConnectTimeout: the request never left this process.
                return TransportFailure.TimedOut(TimeoutLimit.Connect, connectTimeout, $"connecting took longer than {connectTimeout.TotalMilliseconds:F0} ms.", connectTimedOut, notSent: true);

            case HttpRequestException http:
                return MapHttpRequestException(http, responseStarted);

            case IOException or SocketException:
                return TransportFailure.Network($"the connection broke while {(responseStarted ? "reading the response" : "sending the request")}.", exception);

            default:
                return TransportFailure.Unexpected($"failed unexpectedly ({exception.GetType().Name}).", exception);
        }
    }

    private static TransportFailure MapHttpRequestException(HttpRequestException http, bool responseStarted)
    {
        switch (http.HttpRequestError)
        {
            case HttpRequestError.NameResolutionError:
            case HttpRequestError.ConnectionError when !responseStarted && IsConnectFailure(http):
                return TransportFailure.ConnectFailed("could not connect.", http);

            case HttpRequestError.SecureConnectionError:
                // TLS failures are configuration problems, not transient: never sent, not retried.
                return TransportFailure.Tls($"the TLS handshake failed{(http.InnerException is AuthenticationException ? " (certificate rejected)" : string.Empty)}.", http);

            case HttpRequestError.ResponseEnded:
            case HttpRequestError.ConnectionError:
                return TransportFailure.Network("the server closed the connection before the response was complete.", http);

            case HttpRequestError.ConfigurationLimitExceeded:
            case HttpRequestError.InvalidResponse:
            case HttpRequestError.HttpProtocolError:
                return TransportFailure.Protocol($"the server sent an invalid HTTP response ({http.HttpRequestError}).", http);

            default:
                return TransportFailure.Network($"the request failed ({http.HttpRequestError}).", http);
        }
    }

    private static bool IsConnectFailure(HttpRequestException http)
    {
        // ConnectionError is also used for a connection that dropped before the response; only a socket error
        // raised while connecting proves the request never left.
        for (Exception? inner = http.InnerException; inner is not null; inner = inner.InnerException)
        {
            // The endpoint policy refuses before dialling: nothing was sent either.
            if (inner is Endpoints.EndpointPolicyViolationException
                || inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut or SocketError.AddressNotAvailable or SocketError.HostNotFound })
            {
                return true;
            }
        }

        return false;
    }
}
