using System.Net;
using System.Net.Sockets;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Support;

/// <summary>Loopback port helpers for peers that cannot bind port 0 themselves and report it.</summary>
internal static class LoopbackPorts
{
    /// <summary>
    /// A port that was free on 127.0.0.1 a moment ago. Another process can take it before our child binds it;
    /// callers retry on "address in use" (the bind race is inherent to handing a port to another process).
    /// </summary>
    public static int GetFreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>
    /// Bounded readiness check: up to <paramref name="attempts"/> TCP connects, each awaited with its own short
    /// timeout (no sleeps between them). True once one succeeds.
    /// </summary>
    public static async Task<bool> WaitUntilAcceptingAsync(int port, int attempts, TimeSpan perAttempt, CancellationToken cancellationToken)
    {
        for (var i = 0; i < attempts; i++)
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(perAttempt);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
                return true;
            }
            catch (SocketException)
            {
                // Not listening yet: try again (the caller bounds the number of attempts).
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // This attempt timed out; try again.
            }
        }

        return false;
    }
}
