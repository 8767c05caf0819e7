using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Endpoints;
using Pipelines.Sockets.Unofficial;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>Opening a connection: TCP with a connect timeout, then TLS (ALPN <c>http/1.1</c>) when asked.</summary>
internal sealed partial class Http1Connection
{
    /// <summary>Connects to <paramref name="endPoint"/>, bounded by <paramref name="connectTimeout"/> on <paramref name="timeProvider"/>.</summary>
    /// <exception cref="Http1ConnectionException">The connect failed or timed out (the request was never sent).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static ValueTask<Http1Connection> ConnectAsync(
        EndPoint endPoint, Http1Limits limits, TimeSpan connectTimeout, TimeProvider timeProvider, CancellationToken cancellationToken) =>
        ConnectAsync(endPoint, tls: null, limits, connectTimeout, timeProvider, cancellationToken);

    /// <summary>
    /// Connects to <paramref name="endPoint"/> and, with <paramref name="tls"/>, completes the TLS handshake (ALPN
    /// <c>http/1.1</c>); both bounded by <paramref name="connectTimeout"/> on <paramref name="timeProvider"/>.
    /// </summary>
    /// <exception cref="Http1ConnectionException">The connect or the handshake failed or timed out (the request was never
    /// sent); a rejected handshake has <see cref="Http1ConnectionException.TlsHandshakeFailed"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public static async ValueTask<Http1Connection> ConnectAsync(
        EndPoint endPoint, Http1Tls? tls, Http1Limits limits, TimeSpan connectTimeout, TimeProvider timeProvider, CancellationToken cancellationToken,
        EndpointPolicy endpointPolicy = EndpointPolicy.Any)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(timeProvider);
        // A host name (DnsEndPoint, family unspecified) gets a dual-mode socket, so both IPv4 and IPv6 addresses can be tried.
        var socket = endPoint.AddressFamily == AddressFamily.Unspecified && Socket.OSSupportsIPv6
            ? new Socket(SocketType.Stream, ProtocolType.Tcp)
            : new Socket(endPoint.AddressFamily == AddressFamily.Unspecified ? AddressFamily.InterNetwork : endPoint.AddressFamily,
                SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(connectTimeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            SocketConnection.SetRecommendedClientOptions(socket);
            // The addresses actually dialled are checked, not only the name discovery gave (DNS rebinding).
            await EndpointPolicyConnect.ConnectSocketAsync(socket, endPoint, endpointPolicy, linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException or EndpointPolicyViolationException)
        {
            socket.Dispose();
            cancellationToken.ThrowIfCancellationRequested();
            string message = timeout.IsCancellationRequested ? "The connect timed out." : "The connect failed.";
            throw new Http1ConnectionException(message, requestNotSent: true, ex);
        }

        if (tls is null)
        {
            return new Http1Connection(socket, limits, timeProvider.GetTimestamp());
        }

        var stream = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await stream.AuthenticateAsClientAsync(tls.CreateClientOptions(), linked.Token).ConfigureAwait(false);
            if (stream.NegotiatedApplicationProtocol != default && stream.NegotiatedApplicationProtocol != SslApplicationProtocol.Http11)
            {
                throw new Http1ConnectionException(
                    "The TLS handshake negotiated " + stream.NegotiatedApplicationProtocol + ", not http/1.1.", requestNotSent: true, tlsHandshakeFailed: true);
            }
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (timeout.IsCancellationRequested)
            {
                throw new Http1ConnectionException("The TLS handshake timed out.", requestNotSent: true, ex);
            }

            string detail = ex is AuthenticationException ? " (the server certificate or the protocol was rejected)" : string.Empty;
            throw new Http1ConnectionException("The TLS handshake failed" + detail + ".", requestNotSent: true, ex, tlsHandshakeFailed: true);
        }
        catch
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // A read loop copies the decrypted bytes into a pipe as they come, so IsQuiet sees a close or stray bytes
        // on an idle connection just as it does over a plain socket.
        IDuplexPipe pipe = StreamConnection.GetDuplex(stream, PipeOptions.Default, name: "cortex-direct-tls");
        return new Http1Connection(stream, pipe, limits, timeProvider.GetTimestamp());
    }
}
