using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Cortex.Mcp.Fast.Endpoints;

/// <summary>
/// The connect-time half of <see cref="EndpointPolicy"/>: resolves a host name itself and connects only to addresses
/// the policy allows. A name checked only when discovery returned it could resolve to a private or metadata address
/// later (DNS rebinding); checking the addresses actually dialled closes that gap.
/// </summary>
/// <remarks>
/// The engines' hook is <see cref="ConnectSocketAsync"/>, a drop-in for <c>socket.ConnectAsync(endPoint, token)</c>
/// (unchanged under <see cref="EndpointPolicy.Any"/>). <see cref="For"/> is the same rule as a
/// <see cref="SocketsHttpHandler.ConnectCallback"/> for a handler that has no callback of its own.
/// </remarks>
internal static class EndpointPolicyConnect
{
    /// <summary>A whole <see cref="SocketsHttpHandler.ConnectCallback"/> for <paramref name="policy"/>, or null when the
    /// policy allows every address (the handler's own connect then runs, unchanged).</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? For(EndpointPolicy policy) =>
        policy == EndpointPolicy.Any ? null : (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, policy, cancellationToken);

    /// <summary>Connects a new TCP socket to <paramref name="endpoint"/> under <paramref name="policy"/> and returns its stream.</summary>
    /// <exception cref="EndpointPolicyViolationException">Every address the name resolves to is refused (nothing was sent).</exception>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, EndpointPolicy policy, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await ConnectSocketAsync(socket, endpoint, policy, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Connects <paramref name="socket"/> (dual-mode, or of the endpoint's family) to <paramref name="endPoint"/>: under
    /// <see cref="EndpointPolicy.Any"/> exactly <c>socket.ConnectAsync(endPoint, token)</c>; otherwise the host name is
    /// resolved here, every refused address is dropped, and the allowed ones are tried in resolver order.
    /// </summary>
    /// <exception cref="EndpointPolicyViolationException">Every address is refused (nothing was sent); an
    /// <see cref="IOException"/>, so a transport reports it as a failed connect with this as the cause.</exception>
    public static ValueTask ConnectSocketAsync(Socket socket, EndPoint endPoint, EndpointPolicy policy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(endPoint);
        return policy == EndpointPolicy.Any ? socket.ConnectAsync(endPoint, cancellationToken) : ConnectAllowedAsync(socket, endPoint, policy, cancellationToken);
    }

    private static async ValueTask ConnectAllowedAsync(Socket socket, EndPoint endPoint, EndpointPolicy policy, CancellationToken cancellationToken)
    {
        var (addresses, port) = endPoint switch
        {
            IPEndPoint ip => ([ip.Address], ip.Port),
            DnsEndPoint dns when IPAddress.TryParse(dns.Host, out var literal) => ([literal], dns.Port),
            DnsEndPoint dns => (await Dns.GetHostAddressesAsync(dns.Host, cancellationToken).ConfigureAwait(false), dns.Port),
            _ => throw new EndpointPolicyViolationException($"the endpoint is a {endPoint.GetType().Name}, not an IP or DNS endpoint."),
        };

        string? refusal = null;
        var allowed = new List<IPAddress>(addresses.Length);
        foreach (var address in addresses)
        {
            if (EndpointPolicyCheck.Check(address, policy) is { } reason)
            {
                refusal ??= reason;
            }
            else if (socket.DualMode || address.AddressFamily == socket.AddressFamily)
            {
                allowed.Add(address);
            }
        }

        if (allowed.Count == 0)
        {
            throw new EndpointPolicyViolationException(refusal ?? "the host name resolved to no usable address.");
        }

        await socket.ConnectAsync([.. allowed], port, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Every address of an endpoint's host is refused by its <see cref="EndpointPolicy"/>; raised while
/// connecting, so the transport reports it as a failed connect with this as the cause. Nothing was sent.</summary>
internal sealed class EndpointPolicyViolationException(string reason) : IOException($"The endpoint policy refused every address of the host: {reason}")
{
    /// <summary>Why the addresses were refused (the first refused address's reason).</summary>
    public string Reason { get; } = reason;
}
