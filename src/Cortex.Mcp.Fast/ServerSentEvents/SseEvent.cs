using System.Text;

namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>
/// One dispatched server-sent event, as a view over the <see cref="SseEventReader"/> that produced it: its fields
/// are read from the reader on access, so it costs nothing to get. It is valid only until the next call to
/// <see cref="SseEventReader.MoveNext"/> or <see cref="SseEventReader.MoveNextAsync"/>, or until the reader is
/// disposed; copy what you need to keep.
/// </summary>
public readonly ref struct SseEvent
{
    /// <summary>The reader whose current event this is; the fields are read from it on access.</summary>
    private readonly SseEventReader _reader;

    internal SseEvent(SseEventReader reader) => _reader = reader;

    /// <summary>Gets the event's data lines joined with LF, as UTF-8 (the final line ending is not included).</summary>
    public ReadOnlySpan<byte> Data => _reader is null ? default : _reader.CurrentData;

    /// <summary>Gets the event type as UTF-8: the <c>event</c> field value, or <c>message</c> when it had none.</summary>
    public ReadOnlySpan<byte> EventType
    {
        get
        {
            ReadOnlySpan<byte> type = _reader is null ? default : _reader.CurrentEventType;

            // Spec: "If the event type buffer has a value other than the empty string, set the type of the newly
            // created event to equal the value of the event type buffer." Otherwise the type stays "message".
            return type.IsEmpty ? SseFieldNames.Message : type;
        }
    }

    /// <summary>Gets the last event id in effect when the event was dispatched (sticky across events); may be empty.</summary>
    public ReadOnlySpan<byte> Id => _reader is null ? default : _reader.LastEventId;

    /// <summary>
    /// Gets a value indicating whether the event had <c>data</c> fields but no data bytes, such as the MCP
    /// "priming" event (an id and an empty data line) that callers skip while keeping its id.
    /// </summary>
    public bool IsDataEmpty => Data.IsEmpty;

    /// <summary>Decodes <see cref="Data"/> as UTF-8 (invalid sequences become U+FFFD). Allocates a string.</summary>
    /// <returns>The data as a string.</returns>
    public string GetDataString()
    {
        ReadOnlySpan<byte> data = Data;
        return data.IsEmpty ? string.Empty : Encoding.UTF8.GetString(data);
    }

    /// <summary>Decodes <see cref="EventType"/> as UTF-8; returns a cached string for the default <c>message</c>.</summary>
    /// <returns>The event type as a string.</returns>
    public string GetEventTypeString()
    {
        ReadOnlySpan<byte> type = EventType;
        return type.SequenceEqual(SseFieldNames.Message) ? SseFieldNames.MessageString : Encoding.UTF8.GetString(type);
    }

    /// <summary>Decodes <see cref="Id"/> as UTF-8. Allocates a string unless the id is empty.</summary>
    /// <returns>The id as a string.</returns>
    public string GetIdString()
    {
        ReadOnlySpan<byte> id = Id;
        return id.IsEmpty ? string.Empty : Encoding.UTF8.GetString(id);
    }
}
