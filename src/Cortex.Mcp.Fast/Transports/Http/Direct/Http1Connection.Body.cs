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

/// <summary>Reading a response body piece by piece under its framing, and deciding at its end whether the connection
/// may carry the next request.</summary>
internal sealed partial class Http1Connection
{
    /// <summary>
    /// Returns the next piece of the body (a slice of the input, no copy, valid until the next call), or an empty
    /// sequence at the end of the body. The whole piece counts as consumed at the next call.
    /// </summary>
    /// <exception cref="Http1ConnectionException">The connection failed or ended before the body did.</exception>
    /// <exception cref="Http1ProtocolException">The chunked framing was refused.</exception>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<ReadOnlySequence<byte>> ReadBodyAsync(CancellationToken cancellationToken)
    {
        if (_hasPendingAdvance)
        {
            _hasPendingAdvance = false;
            _input.AdvanceTo(_pendingAdvance);
            if (_state == State.ReadingBody && _head.Framing == Http1BodyFraming.ContentLength && _bodyRemaining == 0)
            {
                EndBody();
            }
        }

        if (_bodyEnded)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        if (_state != State.ReadingBody)
        {
            throw new InvalidOperationException("The connection is broken.");
        }

        try
        {
            while (true)
            {
                ReadResult result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                switch (_head.Framing)
                {
                    case Http1BodyFraming.ContentLength:
                        if (buffer.IsEmpty)
                        {
                            break;
                        }

                        ReadOnlySequence<byte> piece = buffer.Slice(0, Math.Min(_bodyRemaining, buffer.Length));
                        _bodyRemaining -= piece.Length;
                        return Hold(piece);

                    case Http1BodyFraming.Chunked:
                        ChunkedDecodeResult decoded = _chunked.Decode(buffer, out ReadOnlySequence<byte> data, out SequencePosition consumed);
                        if (decoded == ChunkedDecodeResult.Data)
                        {
                            return Hold(data);
                        }

                        _input.AdvanceTo(consumed);
                        if (decoded == ChunkedDecodeResult.Completed)
                        {
                            EndBody();
                            return ReadOnlySequence<byte>.Empty;
                        }

                        if (result.IsCompleted || result.IsCanceled)
                        {
                            throw new Http1ConnectionException("The connection closed before the chunked body was complete.", requestNotSent: false);
                        }

                        continue;

                    default:
                        // Close-delimited: everything until FIN; the connection is then done for.
                        if (!buffer.IsEmpty)
                        {
                            return Hold(buffer);
                        }

                        if (result.IsCompleted)
                        {
                            _input.AdvanceTo(buffer.End);
                            _state = State.Broken;
                            _bodyEnded = true;
                            return ReadOnlySequence<byte>.Empty;
                        }

                        break;
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    throw new Http1ConnectionException("The connection closed before the body was complete.", requestNotSent: false);
                }
            }
        }
        catch (Exception ex)
        {
            _state = State.Broken;
            throw Wrap(ex);
        }
    }

    /// <summary>Reads and discards the rest of the body (bounded by <paramref name="maxBytes"/>), so the connection may be reused.</summary>
    /// <returns>True when the body ended within the bound.</returns>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> DrainBodyAsync(long maxBytes, CancellationToken cancellationToken)
    {
        long total = 0;
        while (total <= maxBytes)
        {
            ReadOnlySequence<byte> piece = await ReadBodyAsync(cancellationToken).ConfigureAwait(false);
            if (piece.IsEmpty)
            {
                return IsReusable;
            }

            total += piece.Length;
        }

        _state = State.Broken;
        return false;
    }

    private ReadOnlySequence<byte> Hold(in ReadOnlySequence<byte> piece)
    {
        _pendingAdvance = piece.End;
        _hasPendingAdvance = true;
        return piece;
    }

    private void EndBody()
    {
        // Spec (RFC 9112 §9.3): reuse only if the server keeps the connection open, and nothing arrived after the
        // response (bytes after its end belong to no request: a desync or smuggling attempt).
        _bodyEnded = true;
        _state = _head.KeepAlive ? State.Idle : State.Broken;
        if (_state == State.Idle && (_socketInput is not null ? _socketInput.HasUnconsumedBytes : !IsQuiet()))
        {
            // Over a bare socket only what already arrived is checked here; the receive started below tells the
            // pool, for free, whether anything arrives while the connection is idle.
            _state = State.Broken;
        }

        if (_state == State.Idle)
        {
            _socketInput?.StartReadAhead();
        }
    }
}
