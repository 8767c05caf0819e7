using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using ModelContextProtocol.Client;

namespace Cortex.Mcp.Fast.Bench.Headline;

/// <summary>The contenders that speak HTTP by hand: the raw-socket floor and the raw MCP exchange against the SDK server.</summary>
public static partial class Scenarios
{
    /// <summary>
    /// The floor: a bare socket loop doing the REST echo exchange and nothing else — one pre-encoded
    /// <c>POST /tool/echo</c> HTTP/1.1 request per <c>SendAsync</c> on a connected socket with NoDelay, the reply read
    /// until its Content-Length (only the status line, Content-Length and the end of the head are parsed), keep-alive,
    /// one socket per concurrent caller (taken from an idle queue, so at most one per caller exists). A reply that is
    /// not 200 with exactly the echo as its body is an error, and its socket is closed.
    /// </summary>
    private sealed class RawSocketScenario : CallScenario
    {
        private readonly EndPoint _endPoint;
        private readonly byte[] _request;
        private readonly ConcurrentQueue<Connection> _idle = new();
        private readonly ConcurrentBag<Connection> _all = [];

        public RawSocketScenario(Uri restBase)
            : base("raw-socket", BaselineOf("raw-socket"))
        {
            _endPoint = IPAddress.TryParse(restBase.Host, out var address) ? new IPEndPoint(address, restBase.Port) : new DnsEndPoint(restBase.Host, restBase.Port);
            var path = new Uri(restBase, "tool/echo").PathAndQuery;
            var head = $"POST {path} HTTP/1.1\r\nHost: {restBase.Authority}\r\nContent-Type: application/json\r\nContent-Length: {s_arguments.Length}\r\n\r\n";
            _request = [.. Encoding.ASCII.GetBytes(head), .. s_arguments];
        }

        // Pooled state machines: the floor allocates nothing per call once its sockets are open.
        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public override async ValueTask CallAsync(CancellationToken cancellationToken)
        {
            if (!_idle.TryDequeue(out var connection))
            {
                connection = await Connection.ConnectAsync(_endPoint, cancellationToken).ConfigureAwait(false);
                _all.Add(connection);
            }

            try
            {
                await connection.ExchangeAsync(_request, s_expectedEcho, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                connection.Dispose();
                throw;
            }

            _idle.Enqueue(connection);
        }

        public override ValueTask DisposeAsync()
        {
            foreach (var connection in _all)
            {
                connection.Dispose();
            }

            return ValueTask.CompletedTask;
        }

        private sealed class Connection(Socket socket) : IDisposable
        {
            private readonly byte[] _buffer = new byte[4096];

            public static async Task<Connection> ConnectAsync(EndPoint endPoint, CancellationToken cancellationToken)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
                    return new Connection(socket);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }

            [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
            public async ValueTask ExchangeAsync(byte[] request, byte[] expectedBody, CancellationToken cancellationToken)
            {
                for (var sent = 0; sent < request.Length;)
                {
                    sent += await socket.SendAsync(request.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }

                int filled = 0, headEnd = -1, contentLength = -1;
                while (headEnd < 0 || filled < headEnd + contentLength)
                {
                    if (filled == _buffer.Length)
                    {
                        throw new InvalidDataException("The reply does not fit the buffer.");
                    }

                    var read = await socket.ReceiveAsync(_buffer.AsMemory(filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        throw new IOException("The server closed the connection.");
                    }

                    filled += read;
                    if (headEnd < 0)
                    {
                        (headEnd, contentLength) = ParseHead(_buffer.AsSpan(0, filled));
                    }
                }

                if (filled != headEnd + contentLength || !_buffer.AsSpan(headEnd, contentLength).SequenceEqual(expectedBody))
                {
                    throw new InvalidDataException("The reply's body is not the echo.");
                }
            }

            /// <summary>(-1, -1) while the head is incomplete; else where the body starts and its length.</summary>
            private static (int HeadEnd, int ContentLength) ParseHead(ReadOnlySpan<byte> received)
            {
                var end = received.IndexOf("\r\n\r\n"u8);
                if (end < 0)
                {
                    return (-1, -1);
                }

                var head = received[..end];
                if (!head.StartsWith("HTTP/1.1 200 "u8))
                {
                    throw new HttpRequestException("The reply's status is not 200.");
                }

                ReadOnlySpan<byte> name = "content-length:"u8;
                while (head.IndexOf("\r\n"u8) is var lineEnd and >= 0)
                {
                    head = head[(lineEnd + 2)..];
                    var line = head.IndexOf("\r\n"u8) is var next and >= 0 ? head[..next] : head;
                    if (line.Length > name.Length && Ascii.EqualsIgnoreCase(line[..name.Length], name))
                    {
                        var value = line[name.Length..].Trim(" \t"u8);
                        return Utf8Parser.TryParse(value, out int length, out var consumed) && consumed == value.Length && length >= 0
                            ? (end + 4, length)
                            : throw new InvalidDataException("The reply's Content-Length is not a number.");
                    }
                }

                throw new InvalidDataException("The reply has no Content-Length.");
            }

            public void Dispose() => socket.Dispose();
        }
    }

    /// <summary>
    /// The MCP baseline against the official C# SDK server: HttpClient posting a pre-encoded <c>tools/call</c>
    /// JSON-RPC body with the headers Streamable HTTP asks for (Accept both types, MCP-Protocol-Version), then
    /// draining the SSE-framed reply until its response event — the same exchange as an MCP client's, with no MCP
    /// layer. The stateless server ends the reply after the response event, so the drain reads it to its end and
    /// the connection is reused. A reply without a result for the request's id carrying the echo is an error.
    /// </summary>
    private sealed class RawMcpHttpClientScenario : CallScenario
    {
        private static readonly byte[] s_body = Encoding.UTF8.GetBytes(
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"echo\",\"arguments\":" + CallScenario.ArgumentsJson + "}}");

        private readonly HttpClient _http;
        private readonly Uri _endpoint;

        public RawMcpHttpClientScenario(Uri endpoint, int concurrency)
            : base("raw-httpclient-mcp-sdkserver", BaselineOf("raw-httpclient-mcp-sdkserver"))
        {
            _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(1, concurrency), UseCookies = false, AllowAutoRedirect = false, UseProxy = false });
            _endpoint = endpoint;
        }

        [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
        public override async ValueTask CallAsync(CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(s_body) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            request.Headers.TryAddWithoutValidation("Accept", "application/json, text/event-stream");
            request.Headers.TryAddWithoutValidation("MCP-Protocol-Version", "2025-11-25");
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
            }

            var buffer = ArrayPool<byte>.Shared.Rent(4096);
            try
            {
                var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (stream.ConfigureAwait(false))
                {
                    var filled = 0;
                    var found = false;
                    while (true)
                    {
                        if (filled == buffer.Length)
                        {
                            throw new InvalidDataException("The reply does not fit the buffer.");
                        }

                        var read = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
                        if (read == 0)
                        {
                            break;
                        }

                        filled += read;
                        found = found || HasResponseEvent(buffer.AsSpan(0, filled));
                    }

                    if (!found)
                    {
                        throw new InvalidDataException("The reply has no response event with the echo.");
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        /// <summary>True once a complete SSE event whose data is the result for id 1, carrying the echoed text, has arrived.</summary>
        private static bool HasResponseEvent(ReadOnlySpan<byte> received)
        {
            while (received.IndexOf("\n\n"u8) is var end and >= 0)
            {
                var evt = received[..end];
                received = received[(end + 2)..];
                if (evt.IndexOf("data:"u8) >= 0 && evt.IndexOf("\"id\":1"u8) >= 0 && evt.IndexOf("\"result\":"u8) >= 0
                    && evt.IndexOf("hello from the bench"u8) >= 0 && evt.IndexOf("\"isError\":true"u8) < 0)
                {
                    return true;
                }
            }

            return false;
        }

        public override ValueTask DisposeAsync()
        {
            _http.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
