using System.Net.Sockets;
using System.Security.Authentication;
using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Transports;

/// <summary>Turns what the HTTP stack throws into the typed errors of DESIGN §7.</summary>
internal static class HttpFailures
{
    /// <summary>
    /// Maps a transport exception of one attempt. Returns null for an <see cref="OperationCanceledException"/> caused by
    /// <paramref name="cancellationToken"/>, which the caller rethrows as is (the dispatcher tells caller
    /// cancellation from its deadline).
    /// </summary>
    /// <param name="exception">What the HTTP stack threw.</param>
    /// <param name="service">The service, for the message.</param>
    /// <param name="tool">The tool or resource path, for the message.</param>
    /// <param name="endpoint">The endpoint, for its connect timeout.</param>
    /// <param name="responseStarted">Whether response headers had arrived (then the request certainly reached the server).</param>
    /// <param name="cancellationToken">The attempt's token.</param>
    public static ServiceCallException? Map(Exception exception, string service, string tool, HttpEndpoint endpoint, bool responseStarted, CancellationToken cancellationToken)
    {
        switch (exception)
        {
            case ServiceCallException typed:
                return typed;

            case OperationCanceledException when cancellationToken.IsCancellationRequested:
                return null;

            case OperationCanceledException { InnerException: TimeoutException } connectTimeout:
                // SocketsHttpHandler's ConnectTimeout: the request never left this process.
                return new CallTimeoutException(service, tool, TimeoutLimit.Connect, endpoint.ConnectTimeout, connectTimeout)
                {
                    RequestNotSent = true,
                };

            case HttpRequestException http:
                return MapHttpRequestException(http, service, tool, responseStarted);

            case IOException or SocketException:
                return new ServiceCallException(service, tool, $"The connection to service '{service}' broke while {(responseStarted ? "reading the response" : "sending the request")}.", FailureKind.NetworkError, exception);

            default:
                return new ServiceCallException(service, tool, $"Call to '{service}/{tool}' failed: {exception.GetType().Name}.", FailureKind.Other, exception);
        }
    }

    private static ServiceCallException MapHttpRequestException(HttpRequestException http, string service, string tool, bool responseStarted)
    {
        switch (http.HttpRequestError)
        {
            case HttpRequestError.NameResolutionError:
            case HttpRequestError.ConnectionError when !responseStarted && IsConnectFailure(http):
                return new ServiceCallException(service, tool, $"Could not connect to service '{service}'.", FailureKind.ConnectFailure, http)
                {
                    RequestNotSent = true,
                };

            case HttpRequestError.SecureConnectionError:
                // TLS failures are configuration problems, not transient: never sent, not retried.
                return new ServiceCallException(service, tool, $"TLS handshake with service '{service}' failed{(http.InnerException is AuthenticationException ? " (certificate rejected)" : string.Empty)}.", FailureKind.Other, http)
                {
                    RequestNotSent = true,
                };

            case HttpRequestError.ResponseEnded:
            case HttpRequestError.ConnectionError:
                return new ServiceCallException(service, tool, $"Service '{service}' closed the connection before the response was complete.", FailureKind.NetworkError, http);

            case HttpRequestError.ConfigurationLimitExceeded:
            case HttpRequestError.InvalidResponse:
            case HttpRequestError.HttpProtocolError:
                return new ServiceProtocolException(service, tool, $"Service '{service}' sent an invalid HTTP response ({http.HttpRequestError}).", http);

            default:
                return new ServiceCallException(service, tool, $"Call to '{service}/{tool}' failed ({http.HttpRequestError}).", FailureKind.NetworkError, http);
        }
    }

    private static bool IsConnectFailure(HttpRequestException http)
    {
        // ConnectionError is also used for a connection that dropped before the response; only a socket error
        // raised while connecting proves the request never left.
        for (Exception? inner = http.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable or SocketError.TimedOut or SocketError.AddressNotAvailable or SocketError.HostNotFound })
            {
                return true;
            }
        }

        return false;
    }
}
