using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Pipelines.Sockets.Unofficial;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// A hostile behaviour of a <see cref="RawTcpTestServer"/>: what it does with every connection it accepts. These are
/// the failures a well-behaved server such as Kestrel cannot produce.
/// </summary>
/// <remarks>
/// Every built-in fault first reads the request head (up to the blank line, at most 64 KiB) and counts it in
/// <see cref="RawTcpTestServer.Requests"/>, except <see cref="Custom"/>, which gets the connection untouched (use
/// <see cref="ReadRequestHeadAsync"/> there if needed). Every fault stops when the server is disposed.
/// </remarks>
public sealed class RawFault
{
    private static readonly byte[] s_garbage = "NONSENSE\u0001\u0002 not an http status line\r\n\r\n"u8.ToArray();
    private static readonly byte[] s_contentLengthLie =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"a\":1234}"u8.ToArray();
    private static readonly byte[] s_sseHead =
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\ndata: "u8.ToArray();

    private readonly Func<SocketConnection, RawTcpTestServer, CancellationToken, Task> _handler;

    private RawFault(string name, Func<SocketConnection, RawTcpTestServer, CancellationToken, Task> handler)
    {
        Name = name;
        _handler = handler;
    }

    /// <summary>Reads the request, then resets the connection (TCP RST) without a response.</summary>
    public static RawFault ResetBeforeHeaders { get; } = new(nameof(ResetBeforeHeaders), static async (c, s, ct) =>
    {
        await ReadHeadAsync(c, s, ct).ConfigureAwait(false);
        Reset(c.Socket);
    });

    /// <summary>Reads the request, then closes the connection cleanly (FIN) without a response.</summary>
    public static RawFault CloseBeforeHeaders { get; } = new(nameof(CloseBeforeHeaders), static async (c, s, ct) =>
    {
        await ReadHeadAsync(c, s, ct).ConfigureAwait(false);
    });

    /// <summary>Answers <c>200</c> with <c>Content-Length: 1000</c>, sends 10 bytes of body, and closes.</summary>
    public static RawFault ContentLengthLie { get; } = AfterHead(nameof(ContentLengthLie), static async (c, ct) =>
        await c.Output.WriteAsync(s_contentLengthLie, ct).ConfigureAwait(false));

    /// <summary>Answers <c>200 text/event-stream</c>, then <c>data: xxxx…</c> without ever a newline, in 16 KiB
    /// chunks, until the client goes away or the server is disposed.</summary>
    public static RawFault EndlessSseLine { get; } = AfterHead(nameof(EndlessSseLine), static async (c, ct) =>
    {
        var chunk = new byte[16 * 1024];
        chunk.AsSpan().Fill((byte)'x');
        var result = await c.Output.WriteAsync(s_sseHead, ct).ConfigureAwait(false);
        while (!result.IsCompleted && !result.IsCanceled)
        {
            result = await c.Output.WriteAsync(chunk, ct).ConfigureAwait(false);
        }
    });

    /// <summary>Reads the request and never answers, until the client goes away or the server is disposed.</summary>
    public static RawFault Hang { get; } = AfterHead(nameof(Hang), static (c, ct) => DrainUntilClosedAsync(c.Input, ct));

    /// <summary>Sends a status line, then one byte of a header every 100 ms and never ends the headers, until the
    /// client goes away or the server is disposed (defeats idle timeouts; only a total deadline stops it).</summary>
    public static RawFault SlowHeaders { get; } = AfterHead(nameof(SlowHeaders), static async (c, ct) =>
    {
        var result = await c.Output.WriteAsync("HTTP/1.1 200 OK\r\nX-Slow: "u8.ToArray(), ct).ConfigureAwait(false);
        var one = new byte[] { (byte)'a' };
        while (!result.IsCompleted && !result.IsCanceled)
        {
            await Task.Delay(100, ct).ConfigureAwait(false);
            result = await c.Output.WriteAsync(one, ct).ConfigureAwait(false);
        }
    });

    /// <summary>Answers with a status line that is not HTTP, then closes.</summary>
    public static RawFault GarbageStatusLine { get; } = AfterHead(nameof(GarbageStatusLine), static async (c, ct) =>
        await c.Output.WriteAsync(s_garbage, ct).ConfigureAwait(false));

    /// <summary>Answers <c>200</c> with a single 1 MiB header (far over any client's header limit), then closes.</summary>
    public static RawFault HugeHeaders { get; } = AfterHead(nameof(HugeHeaders), static async (c, ct) =>
    {
        var result = await c.Output.WriteAsync("HTTP/1.1 200 OK\r\nX-Huge: "u8.ToArray(), ct).ConfigureAwait(false);
        var chunk = new byte[16 * 1024];
        chunk.AsSpan().Fill((byte)'h');
        for (var i = 0; i < 64 && !result.IsCompleted && !result.IsCanceled; i++)
        {
            result = await c.Output.WriteAsync(chunk, ct).ConfigureAwait(false);
        }

        if (!result.IsCompleted && !result.IsCanceled)
        {
            await c.Output.WriteAsync("\r\nContent-Length: 0\r\n\r\n"u8.ToArray(), ct).ConfigureAwait(false);
        }
    });

    /// <summary>The fault's name.</summary>
    public string Name { get; }

    /// <summary>
    /// Any behaviour: <paramref name="handler"/> gets the connection's pipes, untouched, and the server's disposal
    /// token. When it returns, the server sends what was written, closes its side (FIN) and waits for the client to
    /// close. Exceptions from the handler only end the connection.
    /// </summary>
    public static RawFault Custom(Func<IDuplexPipe, CancellationToken, Task> handler, string name = "Custom")
    {
        ArgumentNullException.ThrowIfNull(handler);
        return new RawFault(name, (c, _, ct) => handler(c, ct));
    }

    /// <summary>
    /// Reads an HTTP request head (through the blank line, at most <paramref name="maxLength"/> bytes) and returns
    /// it as ASCII text; <see langword="null"/> if the client closed first or the head is too long. The body, if any,
    /// stays unread.
    /// </summary>
    public static async ValueTask<string?> ReadRequestHeadAsync(PipeReader input, CancellationToken cancellationToken,
        int maxLength = 64 * 1024)
    {
        ArgumentNullException.ThrowIfNull(input);
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            if (reader.TryReadTo(out ReadOnlySequence<byte> head, "\r\n\r\n"u8, advancePastDelimiter: true))
            {
                var text = Encoding.ASCII.GetString(head);
                input.AdvanceTo(reader.Position);
                return text;
            }

            if (result.IsCompleted || result.IsCanceled || buffer.Length > maxLength)
            {
                input.AdvanceTo(buffer.End);
                return null;
            }

            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;

    internal Task RunAsync(SocketConnection connection, RawTcpTestServer server, CancellationToken cancellationToken)
        => _handler(connection, server, cancellationToken);

    /// <summary>Reads input until the client closes its side (or the token fires).</summary>
    internal static async Task DrainUntilClosedAsync(PipeReader input, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }

    /// <summary>An abortive close: linger 0 makes the kernel send RST instead of FIN.</summary>
    internal static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // already closed
        }
        catch (SocketException)
        {
            // already gone
        }
    }

    /// <summary>A fault that reads and counts the request head, then runs <paramref name="respond"/>; nothing happens
    /// if the client closed before the head ended (or sent one over 64 KiB).</summary>
    private static RawFault AfterHead(string name, Func<SocketConnection, CancellationToken, Task> respond)
        => new(name, async (c, s, ct) =>
        {
            if (await ReadHeadAsync(c, s, ct).ConfigureAwait(false))
            {
                await respond(c, ct).ConfigureAwait(false);
            }
        });

    private static async Task<bool> ReadHeadAsync(SocketConnection connection, RawTcpTestServer server, CancellationToken ct)
    {
        var head = await ReadRequestHeadAsync(connection.Input, ct).ConfigureAwait(false);
        if (head is null)
        {
            return false;
        }

        server.OnRequest();
        return true;
    }
}
