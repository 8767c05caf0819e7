using System.Diagnostics;

namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// Interprets lines as the WHATWG event-stream format does: collects fields into the event being built and reports
/// when a blank line dispatches it. The dispatched event stays in place until <see cref="ResetAfterDispatch"/>.
/// </summary>
/// <remarks>
/// A mutable struct owned by one <see cref="SseEventReader"/>; used in place. Every buffer is pooled and bounded by a
/// limit, so a stream cannot make it hold more than MaxLineLength + MaxEventSize + 2 x MaxIdLength (plus pool
/// rounding).
/// </remarks>
internal struct SseEventAccumulator
{
    /// <summary>The largest whole number of milliseconds a <see cref="TimeSpan"/> holds; a larger <c>retry</c>
    /// becomes <see cref="TimeSpan.MaxValue"/>.</summary>
    private const long MaxRetryMilliseconds = long.MaxValue / TimeSpan.TicksPerMillisecond;

    /// <summary>The data limit, copied from the options.</summary>
    private readonly int _maxEventSize;

    /// <summary>The id limit, copied from the options.</summary>
    private readonly int _maxIdLength;

    /// <summary>The event type limit: the line limit, since one line carries the whole value.</summary>
    private readonly int _maxLineLength;

    /// <summary>The data buffer: data lines joined with LF (the spec's trailing LF is never stored).</summary>
    private PooledByteBuffer _data;

    /// <summary>
    /// The value of the event's only data line, as a view over the input, while <see cref="_dataIsView"/>: the
    /// common single-line event is never copied. A second data line copies it into <see cref="_data"/>.
    /// </summary>
    private ReadOnlyMemory<byte> _dataView;

    /// <summary>True while the event's data is <see cref="_dataView"/> rather than <see cref="_data"/>.</summary>
    private bool _dataIsView;

    /// <summary>True once a data field was seen since the last dispatch (the spec's "data buffer is not empty").</summary>
    private bool _hasData;

    /// <summary>The event type buffer.</summary>
    private PooledByteBuffer _eventType;

    /// <summary>An id set by the event being built, not yet committed by a blank line.</summary>
    private PooledByteBuffer _pendingId;

    /// <summary>True when <see cref="_pendingId"/> holds an id to commit at the next blank line.</summary>
    private bool _hasPendingId;

    /// <summary>The last event id string: committed at each blank line, sticky across events.</summary>
    private PooledByteBuffer _lastEventId;

    /// <summary>The last valid <c>retry</c> value in ticks (saturated at <see cref="TimeSpan.MaxValue"/>), or -1 when
    /// none was seen.</summary>
    private long _retryTicks;

    public SseEventAccumulator(int maxLineLength, int maxEventSize, int maxIdLength)
    {
        _maxLineLength = maxLineLength;
        _maxEventSize = maxEventSize;
        _maxIdLength = maxIdLength;
        _retryTicks = -1;
    }

    /// <summary>Gets the data of the dispatched event.</summary>
    public readonly ReadOnlySpan<byte> Data => _dataIsView ? _dataView.Span : _data.Span;

    /// <summary>Gets the event type of the dispatched event; empty means the default <c>message</c>.</summary>
    public readonly ReadOnlySpan<byte> EventType => _eventType.Span;

    /// <summary>Gets the last event id string.</summary>
    public readonly ReadOnlySpan<byte> LastEventId => _lastEventId.Span;

    /// <summary>Gets the last valid reconnection time, or null.</summary>
    public readonly TimeSpan? ReconnectionInterval =>
        _retryTicks < 0 ? null : TimeSpan.FromTicks(_retryTicks);

    /// <summary>Processes one line (without its line ending). Returns true when it dispatched an event.</summary>
    /// <param name="line">The line.</param>
    /// <param name="segment">The input segment holding the line, which stays valid until the next move.</param>
    /// <param name="lineStart">Where <paramref name="line"/> starts in <paramref name="segment"/>, or -1 when it is not in it.</param>
    public bool ProcessLine(ReadOnlySpan<byte> line, in ReadOnlyMemory<byte> segment, int lineStart)
    {
        if (line.IsEmpty)
        {
            // Spec: "If the line is empty (a blank line): Dispatch the event."
            return Dispatch();
        }

        if (line.StartsWith("data:"u8))
        {
            // The hot path: most lines are data fields; skip the colon search and the field switch.
            int valueStart = line.Length > 5 && line[5] == SseFieldNames.Space ? 6 : 5;
            AppendData(line[valueStart..], segment, lineStart < 0 ? -1 : lineStart + valueStart);
            return false;
        }

        int colon = line.IndexOf(SseFieldNames.Colon);
        if (colon == 0)
        {
            // Spec: "If the line starts with a U+003A COLON character (:): Ignore the line."
            return false;
        }

        ReadOnlySpan<byte> name;
        ReadOnlySpan<byte> value;
        if (colon > 0)
        {
            // Spec: "Collect the characters on the line before the first U+003A COLON character (:), and let field be
            // that string. Collect the characters on the line after the first U+003A COLON character (:), and let
            // value be that string. If value starts with a U+0020 SPACE character, remove it from value."
            name = line[..colon];
            value = line[(colon + 1)..];
            if (!value.IsEmpty && value[0] == SseFieldNames.Space)
            {
                value = value[1..];
            }
        }
        else
        {
            // Spec: "using the whole line as the field name, and the empty string as the field value."
            name = line;
            value = default;
        }

        ProcessField(name, value);
        return false;
    }

    /// <summary>Forgets the dispatched event's data and type; call before reading on after a dispatch.</summary>
    public void ResetAfterDispatch()
    {
        // Spec: "Set the data buffer and the event type buffer to the empty string."
        _data.Clear();
        _dataView = default;
        _dataIsView = false;
        _hasData = false;
        _eventType.Clear();
    }

    /// <summary>
    /// Copies an undispatched event's data view into our own buffer: call before the input it points into is handed
    /// back (a pipe read used up mid-event).
    /// </summary>
    public void DetachFromInput()
    {
        if (_dataIsView)
        {
            _data.Set(_dataView.Span, _maxEventSize, SseLimit.Event);
            _dataView = default;
            _dataIsView = false;
        }
    }

    /// <summary>Returns every buffer to the pool.</summary>
    public void Dispose()
    {
        _data.Dispose();
        _eventType.Dispose();
        _pendingId.Dispose();
        _lastEventId.Dispose();
        _dataView = default;
        _dataIsView = false;
        _hasData = false;
        _hasPendingId = false;
    }

    private void ProcessField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        // Field names are case-sensitive; switch on length first so most lines cost one compare.
        switch (name.Length)
        {
            case 4 when name.SequenceEqual(SseFieldNames.Data):
                AppendData(value, default, -1);
                break;
            case 5 when name.SequenceEqual(SseFieldNames.Event):
                // Spec: "Set the event type buffer to the field value."
                _eventType.Set(value, _maxLineLength, SseLimit.Line);
                break;
            case 2 when name.SequenceEqual(SseFieldNames.Id):
                if (value.Length > _maxIdLength)
                {
                    SseLimitExceededException.Throw(SseLimit.Id, _maxIdLength);
                }

                // Spec: "If the field value does not contain U+0000 NULL, then set the last event ID buffer to the
                // field value. Otherwise, ignore the field."
                if (!value.Contains((byte)0))
                {
                    _pendingId.Set(value, _maxIdLength, SseLimit.Id);
                    _hasPendingId = true;
                }

                break;
            case 5 when name.SequenceEqual(SseFieldNames.Retry):
                ProcessRetry(value);
                break;
            default:
                // Spec: "Otherwise: The field is ignored."
                break;
        }
    }

    private void AppendData(ReadOnlySpan<byte> value, in ReadOnlyMemory<byte> segment, int valueStart)
    {
        // Spec: "Append the field value to the data buffer, then append a single U+000A LINE FEED (LF) character to
        // the data buffer." Stored as LF-separated lines, which equals the spec's buffer once dispatch removes the
        // trailing LF.
        if (!_hasData && valueStart >= 0)
        {
            if (value.Length > _maxEventSize)
            {
                SseLimitExceededException.Throw(SseLimit.Event, _maxEventSize);
            }

            _dataView = segment.Slice(valueStart, value.Length);
            _dataIsView = true;
            _hasData = true;
            return;
        }

        // A second line: the event is joined in our own buffer after all.
        DetachFromInput();
        _data.AppendLine(value, _hasData, _maxEventSize, SseLimit.Event);
        _hasData = true;
    }

    private void ProcessRetry(ReadOnlySpan<byte> value)
    {
        // Spec: "If the field value consists of only ASCII digits, then interpret the field value as an integer in
        // base ten, and set the event stream's reconnection time to that integer. Otherwise, ignore the field."
        // Any run of digits is valid, however long: a value past what a TimeSpan holds is kept as the largest
        // interval (TimeSpan.MaxValue) rather than ignored, so a server asking for "never soon" is not read as "no
        // preference" (the reconnect policy caps the wait it actually takes). An empty value is ignored.
        if (value.IsEmpty)
        {
            return;
        }

        long milliseconds = 0;
        var saturated = false;
        foreach (byte b in value)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                return;
            }

            if (!saturated && milliseconds > (MaxRetryMilliseconds - digit) / 10)
            {
                saturated = true; // keep scanning: a later non-digit still makes the whole field invalid
            }

            if (!saturated)
            {
                milliseconds = (milliseconds * 10) + digit;
            }
        }

        _retryTicks = saturated ? TimeSpan.MaxValue.Ticks : milliseconds * TimeSpan.TicksPerMillisecond;
    }

    private bool Dispatch()
    {
        // Spec: "Set the last event ID string of the event source to the value of the last event ID buffer. The
        // buffer does not get reset." The buffer and the string differ only while an event is being built, so the
        // pending id is swapped in rather than copied.
        if (_hasPendingId)
        {
            (_lastEventId, _pendingId) = (_pendingId, _lastEventId);
            _hasPendingId = false;
        }

        if (!_hasData)
        {
            // Spec: "If the data buffer is an empty string, set the data buffer and the event type buffer to the
            // empty string and return."
            _eventType.Clear();
            return false;
        }

        Debug.Assert(_data.Length <= _maxEventSize && _dataView.Length <= _maxEventSize, "The data limit is checked on every append.");
        return true;
    }
}
