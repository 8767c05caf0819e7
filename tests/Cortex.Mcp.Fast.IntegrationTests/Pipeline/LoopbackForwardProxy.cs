using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cortex.Mcp.Fast.IntegrationTests.Pipeline;

/// <summary>
/// A tiny HTTP forward proxy on 127.0.0.1:0: it records the request line that opens each connection (absolute-form
/// when a client speaks to a proxy: <c>POST http://host:port/path HTTP/1.1</c>), connects to the host it names and
/// relays bytes both ways unchanged (HTTP/1.1 servers accept absolute-form targets).
/// </summary>
internal sealed class LoopbackForwardProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public LoopbackForwardProxy()
    {
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    public Uri Address { get; }

    /// <summary>The first request line of every connection, in order.</summary>
    public ConcurrentQueue<string> RequestLines { get; } = new();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        var relays = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                relays.Add(RelayAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopping.
        }

        await Task.WhenAll(relays).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var _ = client;
        try
        {
            var fromClient = client.GetStream();
            var head = new List<byte>();
            var one = new byte[1];
            while (head.Count < 8192 && !(head.Count >= 2 && head[^2] == '\r' && head[^1] == '\n'))
            {
                if (await fromClient.ReadAsync(one, _stop.Token) == 0)
                {
                    return;
                }

                head.Add(one[0]);
            }

            var line = Encoding.ASCII.GetString(head.ToArray()).TrimEnd();
            RequestLines.Enqueue(line);
            var target = new Uri(line.Split(' ')[1]);
            using var upstream = new TcpClient();
            await upstream.ConnectAsync(target.Host, target.Port, _stop.Token);
            var toServer = upstream.GetStream();
            await toServer.WriteAsync(head.ToArray(), _stop.Token);

            // Either side closing ends the relay (close the other so its reader sees the end too).
            var up = fromClient.CopyToAsync(toServer, _stop.Token);
            var down = toServer.CopyToAsync(fromClient, _stop.Token);
            await Task.WhenAny(up, down);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or UriFormatException or IndexOutOfRangeException)
        {
            // A connection that broke or was cut at shutdown.
        }
    }
}
