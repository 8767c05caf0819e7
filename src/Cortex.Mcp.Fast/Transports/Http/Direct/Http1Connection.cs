using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Runtime.CompilerServices;
using Pipelines.Sockets.Unofficial;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// One HTTP/1.1 connection over a bare <see cref="Socket"/> read and written inline (<see cref="SocketPipeReader"/>,
/// <see cref="SocketPipeWriter"/>: plain TCP), or over an <see cref="SslStream"/> (ALPN <c>http/1.1</c>) through
/// Pipelines.Sockets.Unofficial's <see cref="StreamConnection.GetDuplex(Stream, PipeOptions, string)"/>: sends one
/// request at a time, reads the response head, hands out the body piece by piece under its framing, and decides
/// whether the connection may carry the next request.
/// </summary>
/// <remarks>
/// <para>Not thread-safe: one request at a time, owned by whoever holds it.
/// The body is read with <see cref="ReadBodyAsync"/>: each call returns the next piece of the body as a slice of
/// the connection's input (no copy), valid until the next call; an empty piece is the end of the body.</para>
/// <para>Never reused after: a response not read to its end, <c>Connection: close</c>, HTTP/1.0 without
/// keep-alive, a close-delimited body, any protocol or I/O error, or bytes from the server outside a response.</para>
/// </remarks>
internal sealed partial class Http1Connection : IHttp1PooledConnection
{
    private readonly Socket? _socket;
    private readonly SocketPipeReader? _socketInput;
    private readonly SocketPipeWriter? _socketOutput;
    private readonly SslStream? _tlsStream;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Http1Limits _limits;
    private readonly Http1ResponseHead _head = new();
    private Http1HeadScanState _scan;
    private ChunkedBodyDecoder _chunked;
    private State _state;
    private long _bodyRemaining;
    private SequencePosition _pendingAdvance;
    private bool _hasPendingAdvance;
    private bool _bodyEnded;
    private long _tlsBytesSent;
    private bool _checkedQuiet;
    private int _disposed;

    private Http1Connection(Socket socket, Http1Limits limits, long createdTimestamp)
        : this(limits, createdTimestamp)
    {
        _socket = socket;
        _socketInput = new SocketPipeReader(socket);
        _socketOutput = new SocketPipeWriter(socket);
        _input = _socketInput;
        _output = _socketOutput;
    }

    private Http1Connection(SslStream tlsStream, IDuplexPipe pipe, Http1Limits limits, long createdTimestamp)
        : this(limits, createdTimestamp)
    {
        _tlsStream = tlsStream;
        _input = pipe.Input;
        _output = pipe.Output;
    }

    private Http1Connection(Http1Limits limits, long createdTimestamp)
    {
        _input = null!;
        _output = null!;
        _limits = limits;
        _chunked = new ChunkedBodyDecoder(limits);
        CreatedTimestamp = createdTimestamp;
        LastUsedTimestamp = createdTimestamp;
    }

    private enum State : byte
    {
        Idle,
        AwaitingHead,
        ReadingBody,
        Broken,
    }

    /// <summary>Gets the <see cref="TimeProvider.GetTimestamp"/> at which the connection was made.</summary>
    public long CreatedTimestamp { get; }

    /// <summary>Gets the timestamp at which the connection last became idle.</summary>
    public long LastUsedTimestamp { get; set; }

    /// <summary>Gets or sets the response object this connection's requests reuse (set by the engine on first use).</summary>
    internal DirectHttpResponse? Response { get; set; }

    /// <summary>Gets the head of the current response (valid from <see cref="SendAsync"/> until the next request).</summary>
    public Http1ResponseHead Head => _head;

    /// <summary>Gets a value indicating whether the last response was read to its end and the connection may be reused.</summary>
    public bool IsReusable => _state == State.Idle && Volatile.Read(ref _disposed) == 0;

    /// <summary>Gets a value indicating whether a response body is being read and has not ended yet.</summary>
    public bool IsReadingBody => _state == State.ReadingBody && !_bodyEnded;

    /// <summary>Gets the bytes handed to the socket so far (with TLS: the plaintext bytes handed to the TLS stream).</summary>
    public long BytesSent => _socketOutput?.BytesSent ?? Interlocked.Read(ref _tlsBytesSent);

    /// <summary>Gets a value indicating whether the connection is over TLS.</summary>
    public bool IsTls => _tlsStream is not null;

    /// <summary>
    /// Writes the request, flushes it, and reads the final response head (interim 1xx responses skipped).
    /// </summary>
    /// <exception cref="Http1ConnectionException">The connection failed; see <see cref="Http1ConnectionException.RequestNotSent"/>.</exception>
    /// <exception cref="Http1ProtocolException">The response was refused.</exception>
    /// <exception cref="ArgumentException">A header value was refused (nothing was written; the connection stays usable).</exception>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<Http1ResponseHead> SendAsync(
        PreEncodedRequest request, HttpRequestFields headers, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_state == State.Broken)
        {
            // Nothing is ever written to a broken connection.
            throw new Http1ConnectionException("The connection is closed or not reusable.", requestNotSent: true);
        }

        if (_state != State.Idle)
        {
            throw new InvalidOperationException("The connection is busy with another request.");
        }

        // Anything the server sent while the connection was idle (a close, a reset, stray bytes) means it is not
        // fit for a request; and nothing of this request was written yet, so it provably never left. The pool has
        // just asked the socket when it lent the connection; asking again would cost a system call per request.
        if (_checkedQuiet && _socketInput is not null)
        {
            _checkedQuiet = false;
            if (_socketInput.HasUnconsumedBytes)
            {
                _state = State.Broken;
                throw new Http1ConnectionException("The server sent unexpected data before the request.", requestNotSent: true);
            }
        }
        else
        {
            EnsureQuiet();
        }

        Http1RequestWriter.Write(_output, request, headers, body.Span);
        long sentBefore = BytesSent;
        bool flushed = false;
        _state = State.AwaitingHead;
        if (_tlsStream is not null && _output.CanGetUnflushedBytes)
        {
            Interlocked.Add(ref _tlsBytesSent, _output.UnflushedBytes);
        }

        try
        {
            FlushResult flush = await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
            flushed = true;
            if (flush.IsCompleted || flush.IsCanceled)
            {
                throw new Http1ConnectionException("The connection closed while the request was sent.", requestNotSent: false);
            }

            _head.Reset();
            _scan.Reset();
            while (true)
            {
                ReadResult result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                var parser = new Http1ResponseParser(ref _scan, _limits);
                bool complete = parser.TryParse(buffer, request.IsHead, _head, out SequencePosition consumed, out SequencePosition examined);
                _input.AdvanceTo(consumed, examined);
                if (complete)
                {
                    break;
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    throw new Http1ConnectionException("The connection closed before the response head was complete.", requestNotSent: false);
                }
            }

            _state = State.ReadingBody;
            _bodyEnded = false;
            _bodyRemaining = _head.ContentLength;
            _chunked.Reset();
            if (_head.Framing == Http1BodyFraming.None || (_head.Framing == Http1BodyFraming.ContentLength && _bodyRemaining == 0))
            {
                EndBody();
            }

            return _head;
        }
        catch (SocketException ex) when (_socketOutput is not null && BytesSent == sentBefore && !flushed)
        {
            // The kernel refused the request's first byte (a reset or a close the idle check did not see yet):
            // nothing of it left, so it may be retried on another connection whatever its method.
            _state = State.Broken;
            throw new Http1ConnectionException("The connection failed before the request was sent: " + ex.SocketErrorCode + ".", requestNotSent: true, ex);
        }
        catch (Exception ex)
        {
            _state = State.Broken;
            throw Wrap(ex);
        }
    }

    /// <summary>Marks the connection as not reusable (for example when the caller abandons a response).</summary>
    public void Abandon() => _state = State.Broken;

    /// <summary>
    /// Checks an idle connection before reuse: false when the server closed it, reset it, or sent bytes that belong
    /// to no request (the connection is then marked broken).
    /// </summary>
    public bool IsQuiet()
    {
        _checkedQuiet = false;
        if (_state != State.Idle)
        {
            return false;
        }

        try
        {
            if (_input.TryRead(out ReadResult result))
            {
                bool quiet = result.Buffer.IsEmpty && !result.IsCompleted && !result.IsCanceled;
                _input.AdvanceTo(result.Buffer.Start);
                if (!quiet)
                {
                    _state = State.Broken;
                }

                _checkedQuiet = quiet;
                return quiet;
            }

            _checkedQuiet = true;
            return true;
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
            _state = State.Broken;
            return false;
        }
    }

    /// <summary>Closes the socket.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _state = State.Broken;
            if (_socket is not null)
            {
                _socket.Dispose();
                _socketInput!.Complete();
                _socketOutput!.Complete();
            }
            else
            {
                // Completing the pipe ends its copy loops; disposing the TLS stream closes the socket under them.
                _input.Complete();
                _output.Complete();
                _tlsStream!.Dispose();
            }
        }

        return ValueTask.CompletedTask;
    }

    private void EnsureQuiet()
    {
        if (!IsQuiet())
        {
            throw new Http1ConnectionException("The connection was closed or sent unexpected data before the request.", requestNotSent: true);
        }
    }

    private static Exception Wrap(Exception ex) => ex switch
    {
        Http1ConnectionException or Http1ProtocolException or OperationCanceledException => ex,
        IOException or SocketException or ObjectDisposedException or InvalidOperationException =>
            new Http1ConnectionException("The connection failed: " + ex.GetType().Name + ".", requestNotSent: false, ex),
        _ => ex,
    };
}
