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

    /// <summary>When set (<c>user:password</c>), a connection whose first request lacks these Basic credentials gets
    /// a 407 challenge and is closed.</summary>
    public string? RequiredCredentials { get; init; }

    /// <summary>The <c>Proxy-Authorization</c> value of each connection's first request ("" for none), when
    /// <see cref="RequiredCredentials"/> is set.</summary>
    public ConcurrentQueue<string> ProxyAuthorizations { get; } = new();

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
            while (head.Count < 16384 && !(head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                if (await fromClient.ReadAsync(one, _stop.Token) == 0)
                {
                    return;
                }

                head.Add(one[0]);
            }

            var lines = Encoding.ASCII.GetString(head.ToArray()).Split("\r\n");
            var line = lines[0];
            RequestLines.Enqueue(line);
            if (RequiredCredentials is { } required)
            {
                var sent = lines.FirstOrDefault(l => l.StartsWith("Proxy-Authorization:", StringComparison.OrdinalIgnoreCase))?["Proxy-Authorization:".Length..].Trim();
                ProxyAuthorizations.Enqueue(sent ?? string.Empty);
                if (sent != "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(required)))
                {
                    // Read the body first: closing with unread bytes would reset the connection under the 407.
                    var length = lines.FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)) is { } header
                        ? int.Parse(header["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)
                        : 0;
                    await fromClient.ReadExactlyAsync(new byte[length], _stop.Token);
                    await fromClient.WriteAsync("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
                    return;
                }
            }

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
