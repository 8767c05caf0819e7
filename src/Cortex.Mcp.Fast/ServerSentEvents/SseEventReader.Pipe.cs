using System.Diagnostics;
using System.IO.Pipelines;

namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>The <see cref="PipeReader"/> source: holding a read across moves, handing it back, reading more.</summary>
public sealed partial class SseEventReader
{
    /// <summary>
    /// Every move the fast path could not finish: argument and state checks, handing back a used-up read, reading.
    /// </summary>
    /// <param name="heldUsedUp">True when the fast path already parsed the held read to its end.</param>
    /// <param name="cancellationToken">Cancels waiting for input.</param>
    private ValueTask<bool> MoveNextSlowAsync(bool heldUsedUp, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_pipe is null)
        {
            throw new InvalidOperationException("This reader reads a buffered sequence; use MoveNext.");
        }

        BeginMove();
        if (_finished)
        {
            return new ValueTask<bool>(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (heldUsedUp && HandBackUsedUpRead())
            {
                return new ValueTask<bool>(false);
            }

            while (true)
            {
                if (_holding && TryParseHeld(out bool moved))
                {
                    return new ValueTask<bool>(moved);
                }

                // Habit 6: stay synchronous while the pipe already has data.
                ValueTask<ReadResult> read = _pipe.ReadAsync(cancellationToken);
                if (!read.IsCompletedSuccessfully)
                {
                    return AwaitReadAsync(read, cancellationToken);
                }

                Hold(read.Result);
            }
        }
        catch (SseLimitExceededException)
        {
            Fail();
            throw;
        }
    }

    private async ValueTask<bool> AwaitReadAsync(ValueTask<ReadResult> read, CancellationToken cancellationToken)
    {
        Debug.Assert(_pipe is not null && !_holding, "Reads happen only on a pipe source with no read held.");
        try
        {
            while (true)
            {
                Hold(await read.ConfigureAwait(false));
                if (TryParseHeld(out bool moved))
                {
                    return moved;
                }

                read = _pipe.ReadAsync(cancellationToken);
            }
        }
        catch (SseLimitExceededException)
        {
            Fail();
            throw;
        }
    }

    /// <summary>Takes a pipe read: its buffer is parsed in place, across moves, until used up.</summary>
    private void Hold(in ReadResult result)
    {
        Debug.Assert(_pipe is not null && !_holding, "Only one read is held at a time.");
        if (result.IsCanceled)
        {
            // Someone called CancelPendingRead: hand the buffer back untouched and stop this move.
            _pipe.AdvanceTo(result.Buffer.Start);
            throw new OperationCanceledException("The pending read of the PipeReader was canceled.");
        }

        _scan.SetInput(result.Buffer);
        _isFinalBuffer = result.IsCompleted;
        _holding = true;
    }

    /// <summary>
    /// Parses the held read. Returns true when the move is decided (<paramref name="moved"/> says how); false when
    /// the read was used up and handed back, and more input must be read.
    /// </summary>
    private bool TryParseHeld(out bool moved)
    {
        Debug.Assert(_pipe is not null && _holding, "Parse only a held read.");
        if (TryParse())
        {
            // Keep the read open: the rest of its buffer likely holds the next events, and Current may be a view
            // over it (a single data line is not copied), valid until the next move.
            _hasCurrent = true;
            moved = true;
            return true;
        }

        moved = false;
        return HandBackUsedUpRead();
    }

    /// <summary>
    /// Hands a used-up read back to the pipe. Returns true when that was the end of the stream (the reader is then
    /// finished); false when more input must be read.
    /// </summary>
    private bool HandBackUsedUpRead()
    {
        Debug.Assert(_pipe is not null && _holding, "Hand back only a held read.");

        // Habit 7: all the input is used (a partial line lives in our buffer), but for an unsettled byte order mark;
        // everything was examined, so the next read waits for new bytes. A data view must not outlive the read.
        SequencePosition consumed = _scan.BomChecked ? _scan.Input.End : _scan.Input.Start;
        _events.DetachFromInput();
        _pipe.AdvanceTo(consumed, _scan.Input.End);
        _holding = false;
        _scan.ClearInput();

        // The writer completed and the buffer is used up (IsCompleted && nothing left to parse).
        // Spec: "Once the end of the file is reached, any pending data must be discarded."
        _finished = _isFinalBuffer;
        return _finished;
    }

    private void ReleaseHeldRead()
    {
        if (_holding)
        {
            _holding = false;

            // Consume what was parsed (after a move, exactly up to the end of the last event); leave the rest
            // unexamined so the owner's next read returns it at once.
            SequencePosition consumed = _scan.Position;
            _pipe!.AdvanceTo(consumed, consumed);
            _scan.ClearInput();
        }
    }
}
