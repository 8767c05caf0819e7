using System.Net;
using System.Net.Http;
using System.Net.Sockets;

namespace Cortex.Mcp.Fast.Endpoints;

/// <summary>
/// The connect-time half of <see cref="EndpointPolicy"/> for the <see cref="SocketsHttpHandler"/> engine: a
/// <see cref="SocketsHttpHandler.ConnectCallback"/> that resolves the host name itself and connects only to addresses
/// the policy allows. A name checked only when discovery returned it could resolve to a private or metadata address
/// later (DNS rebinding); checking the addresses actually dialled closes that gap.
/// </summary>
internal static class EndpointPolicyConnect
{
    /// <summary>The callback for <paramref name="policy"/>, or null when the policy allows every address (the
    /// handler's own connect then runs, unchanged).</summary>
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? For(EndpointPolicy policy) =>
        policy == EndpointPolicy.Any ? null : (context, cancellationToken) => ConnectAsync(context.DnsEndPoint, policy, cancellationToken);

    /// <summary>
    /// Resolves <paramref name="endpoint"/>, drops every address <paramref name="policy"/> refuses, and connects to
    /// the first allowed one that answers (in resolver order).
    /// </summary>
    /// <exception cref="EndpointPolicyViolationException">Every address the name resolves to is refused (nothing was sent).</exception>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, EndpointPolicy policy, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(endpoint.Host, out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(endpoint.Host, cancellationToken).ConfigureAwait(false);

        string? refusal = null;
        Exception? lastError = null;
        foreach (var address in addresses)
        {
            if (EndpointPolicyCheck.Check(address, policy) is { } reason)
            {
                refusal ??= reason;
                continue;
            }

            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException ex)
            {
                socket.Dispose();
                lastError = ex;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        if (lastError is not null)
        {
            // An allowed address existed but none answered: an ordinary connect failure.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(lastError);
        }

        throw new EndpointPolicyViolationException(refusal ?? "the host name resolved to no address.");
    }
}

/// <summary>Every address of an endpoint's host name is refused by its <see cref="EndpointPolicy"/>; raised inside
/// the connect callback, so the transport reports it as a failed connect with this as the cause.</summary>
internal sealed class EndpointPolicyViolationException(string reason) : IOException($"The endpoint policy refused every address of the host: {reason}")
{
    /// <summary>Why the addresses were refused (the first refused address's reason).</summary>
    public string Reason { get; } = reason;
}
