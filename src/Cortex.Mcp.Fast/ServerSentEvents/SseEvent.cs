using System.Text;

namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// One dispatched server-sent event, as a view over buffers owned by the <see cref="SseEventReader"/> that produced
/// it. It is valid only until the next call to <see cref="SseEventReader.MoveNext"/> or
/// <see cref="SseEventReader.MoveNextAsync"/>, or until the reader is disposed; copy what you need to keep.
/// </summary>
public readonly ref struct SseEvent
{
    /// <summary>The joined data lines.</summary>
    private readonly ReadOnlySpan<byte> _data;

    /// <summary>The <c>event</c> field value, or empty when the event had none.</summary>
    private readonly ReadOnlySpan<byte> _eventType;

    /// <summary>The last event id in effect when the event was dispatched.</summary>
    private readonly ReadOnlySpan<byte> _id;

    internal SseEvent(ReadOnlySpan<byte> data, ReadOnlySpan<byte> eventType, ReadOnlySpan<byte> id)
    {
        _data = data;
        _eventType = eventType;
        _id = id;
    }

    /// <summary>Gets the event's data lines joined with LF, as UTF-8 (the final line ending is not included).</summary>
    public ReadOnlySpan<byte> Data => _data;

    /// <summary>Gets the event type as UTF-8: the <c>event</c> field value, or <c>message</c> when it had none.</summary>
    // Spec: "If the event type buffer has a value other than the empty string, set the type of the newly created
    // event to equal the value of the event type buffer." Otherwise the type stays "message".
    public ReadOnlySpan<byte> EventType => _eventType.IsEmpty ? SseFieldNames.Message : _eventType;

    /// <summary>Gets the last event id in effect when the event was dispatched (sticky across events); may be empty.</summary>
    public ReadOnlySpan<byte> Id => _id;

    /// <summary>
    /// Gets a value indicating whether the event had <c>data</c> fields but no data bytes, such as the MCP
    /// "priming" event (an id and an empty data line) that callers skip while keeping its id.
    /// </summary>
    public bool IsDataEmpty => _data.IsEmpty;

    /// <summary>Decodes <see cref="Data"/> as UTF-8 (invalid sequences become U+FFFD). Allocates a string.</summary>
    /// <returns>The data as a string.</returns>
    public string GetDataString() => _data.IsEmpty ? string.Empty : Encoding.UTF8.GetString(_data);

    /// <summary>Decodes <see cref="EventType"/> as UTF-8; returns a cached string for the default <c>message</c>.</summary>
    /// <returns>The event type as a string.</returns>
    public string GetEventTypeString() =>
        _eventType.IsEmpty || _eventType.SequenceEqual(SseFieldNames.Message) ? SseFieldNames.MessageString : Encoding.UTF8.GetString(_eventType);

    /// <summary>Decodes <see cref="Id"/> as UTF-8. Allocates a string unless the id is empty.</summary>
    /// <returns>The id as a string.</returns>
    public string GetIdString() => _id.IsEmpty ? string.Empty : Encoding.UTF8.GetString(_id);
}
