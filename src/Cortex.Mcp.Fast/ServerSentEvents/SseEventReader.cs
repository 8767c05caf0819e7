using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.IO.Pipelines;

namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// Reads server-sent events (the WHATWG <c>text/event-stream</c> format) from a <see cref="PipeReader"/> or from a
/// buffered <see cref="ReadOnlySequence{T}"/>, one event per <see cref="MoveNextAsync"/> or <see cref="MoveNext"/>,
/// without allocating per event.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Current"/> is a view, valid until the next move or <see cref="Dispose"/>. Event types, ids and data
/// joined from several lines are copied into buffers rented from <see cref="ArrayPool{T}.Shared"/> and owned by the
/// reader; the data of an event with one data line is a view over the input itself (the reader keeps that input
/// unconsumed until the next move). The buffers grow to what the stream needs, bounded by
/// <see cref="SseParserOptions"/>, and are returned on <see cref="Dispose"/>.
/// </para>
/// <para>
/// The reader never completes the <see cref="PipeReader"/>: the caller owns it. Between moves the reader may keep
/// one pipe read open (the unread rest of the last buffer); <see cref="Dispose"/> hands it back unconsumed.
/// </para>
/// <para>Not thread-safe: one caller moves the reader at a time, and does not touch the pipe while it is in use.</para>
/// </remarks>
public sealed partial class SseEventReader : IDisposable
{
    /// <summary>The async source, or null for a sequence source.</summary>
    private readonly PipeReader? _pipe;

    /// <summary>The line limit, copied from the options.</summary>
    private readonly int _maxLineLength;

    /// <summary>Line splitting state that survives across buffers.</summary>
    private SseScanState _scan;

    /// <summary>Field interpretation state and the buffers of the current event.</summary>
    private SseEventAccumulator _events;

    /// <summary>True while a pipe read is held open (its buffer not yet handed back with <c>AdvanceTo</c>).</summary>
    private bool _holding;

    /// <summary>True when no input will follow the scan state's input (a sequence source, or a completed pipe).</summary>
    private bool _isFinalBuffer;

    /// <summary>True while <see cref="Current"/> is an event (the last move returned true).</summary>
    private bool _hasCurrent;

    /// <summary>True once the end of the input was reached, or after a limit was exceeded.</summary>
    private bool _finished;

    /// <summary>True after <see cref="Dispose"/>.</summary>
    private bool _disposed;

    /// <summary>Creates a reader over a pipe; move it with <see cref="MoveNextAsync"/>.</summary>
    /// <param name="reader">The source of the event stream. The caller owns it: the reader never completes it.</param>
    /// <param name="options">The limits, or null for <see cref="SseParserOptions.Default"/>.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The two sources take different first arguments, so calls are never ambiguous; the agreed API shape.")]
    public SseEventReader(PipeReader reader, SseParserOptions? options = null)
        : this(options)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _pipe = reader;
    }

    /// <summary>Creates a reader over a buffered body; move it with <see cref="MoveNext"/>.</summary>
    /// <param name="buffer">The whole event stream. The end of the buffer is the end of the stream.</param>
    /// <param name="options">The limits, or null for <see cref="SseParserOptions.Default"/>.</param>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The two sources take different first arguments, so calls are never ambiguous; the agreed API shape.")]
    public SseEventReader(ReadOnlySequence<byte> buffer, SseParserOptions? options = null)
        : this(options)
    {
        _scan.SetInput(buffer);
        _isFinalBuffer = true;
    }

    private SseEventReader(SseParserOptions? options)
    {
        options ??= SseParserOptions.Default;
        _maxLineLength = options.MaxLineLength;
        _events = new SseEventAccumulator(options.MaxLineLength, options.MaxEventSize, options.MaxIdLength);
    }

    /// <summary>Gets the event the last move returned true for.</summary>
    /// <exception cref="InvalidOperationException">The last move did not return true (or there was none).</exception>
    /// <exception cref="ObjectDisposedException">The reader is disposed.</exception>
    public SseEvent Current
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_hasCurrent)
            {
                ThrowNoCurrent();
            }

            return new SseEvent(this);
        }
    }

    /// <summary>Gets the current event's data, for <see cref="SseEvent"/>.</summary>
    internal ReadOnlySpan<byte> CurrentData => _events.Data;

    /// <summary>Gets the current event's type (empty for the default), for <see cref="SseEvent"/>.</summary>
    internal ReadOnlySpan<byte> CurrentEventType => _events.EventType;

    /// <summary>
    /// Gets the last event id string, to send as <c>Last-Event-ID</c> when reconnecting: the id in effect at the last
    /// blank line, sticky across events (a block without data still updates it). Empty when none was set or an empty
    /// id reset it. Valid until the next move.
    /// </summary>
    public ReadOnlySpan<byte> LastEventId => _events.LastEventId;

    /// <summary>Gets the reconnection time from the last valid <c>retry</c> field, or null when there was none.</summary>
    public TimeSpan? ReconnectionInterval => _events.ReconnectionInterval;

    /// <summary>Moves to the next event of a buffered (<see cref="ReadOnlySequence{T}"/>) source.</summary>
    /// <returns>True when <see cref="Current"/> is the next event; false at the end of the stream.</returns>
    /// <exception cref="InvalidOperationException">The reader was created over a <see cref="PipeReader"/>.</exception>
    /// <exception cref="SseLimitExceededException">The stream exceeded a limit; the reader is then finished.</exception>
    public bool MoveNext()
    {
        AssertInvariants();
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_pipe is not null)
        {
            throw new InvalidOperationException("This reader reads a PipeReader; use MoveNextAsync.");
        }

        BeginMove();
        if (_finished)
        {
            return false;
        }

        try
        {
            if (TryParse())
            {
                _hasCurrent = true;
                return true;
            }
        }
        catch (SseLimitExceededException)
        {
            _finished = true;
            throw;
        }

        // Spec: "Once the end of the file is reached, any pending data must be discarded."
        _scan.ClearInput();
        _finished = true;
        return false;
    }

    /// <summary>Moves to the next event of a <see cref="PipeReader"/> source.</summary>
    /// <param name="cancellationToken">Cancels waiting for input.</param>
    /// <returns>True when <see cref="Current"/> is the next event; false at the end of the stream.</returns>
    /// <exception cref="InvalidOperationException">The reader was created over a <see cref="ReadOnlySequence{T}"/>.</exception>
    /// <exception cref="SseLimitExceededException">The stream exceeded a limit; the reader is then finished.</exception>
    /// <exception cref="OperationCanceledException">The token was canceled, or the pipe's pending read was canceled.</exception>
    public ValueTask<bool> MoveNextAsync(CancellationToken cancellationToken = default)
    {
        // Fast path: the held read still holds a complete event, as it does for most moves when events are small.
        // Holding a read implies a pipe source that is neither disposed nor finished.
        AssertInvariants();
        bool heldUsedUp = false;
        if (_holding && !cancellationToken.IsCancellationRequested)
        {
            BeginMove();
            try
            {
                if (TryParse())
                {
                    _hasCurrent = true;
                    return new ValueTask<bool>(true);
                }
            }
            catch (SseLimitExceededException)
            {
                Fail();
                throw;
            }

            heldUsedUp = true;
        }

        return MoveNextSlowAsync(heldUsedUp, cancellationToken);
    }

    /// <summary>Returns the pooled buffers and hands any held pipe read back unconsumed. Does not complete the pipe.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _hasCurrent = false;
        ReleaseHeldRead();
        _events.Dispose();
        _scan.PartialLine.Dispose();
    }

    [DoesNotReturn]
    private static void ThrowNoCurrent() =>
        throw new InvalidOperationException("There is no current event: call MoveNext or MoveNextAsync and check that it returned true.");

    /// <summary>Starts a move: the previous event's buffers may now be reused.</summary>
    private void BeginMove()
    {
        if (_hasCurrent)
        {
            _hasCurrent = false;
            _events.ResetAfterDispatch();
        }
    }

    /// <summary>
    /// Parses the scan state's input from its cursor up to the next dispatched event. Returns true when an event was
    /// dispatched (the cursor is then just past its blank line); false when the input is used up, or when it is too
    /// short to settle the byte order mark.
    /// </summary>
    private bool TryParse()
    {
        if (!_scan.BomChecked && !_scan.TrySkipBom(_isFinalBuffer))
        {
            return false;
        }

        var lines = new SseLineParser(ref _scan, _maxLineLength);
        while (lines.TryReadLine(out ReadOnlySpan<byte> line))
        {
            if (_events.ProcessLine(line, _scan.Segment, lines.LineStart))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>After a limit was exceeded: finish, and hand any held read back so the caller can still use the pipe.</summary>
    private void Fail()
    {
        _finished = true;
        _hasCurrent = false;
        ReleaseHeldRead();
    }

    [Conditional("DEBUG")]
    private void AssertInvariants()
    {
        Debug.Assert(!_holding || _pipe is not null, "Only a pipe source holds a read.");
        Debug.Assert(!_holding || !(_finished || _disposed), "A finished or disposed reader holds no read.");
        Debug.Assert(!_hasCurrent || !(_finished || _disposed), "There is no current event after the end.");
        Debug.Assert(_pipe is not null || _isFinalBuffer, "A sequence source is its whole stream.");
        Debug.Assert(_scan.PartialLine.Length <= _maxLineLength, "A partial line is bounded by the line limit.");
    }
}
