using System.Buffers;
using System.Text;

namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>
/// Where an event stream stands across its connections: the last event id (sent back as <c>Last-Event-ID</c>), the
/// server's last <c>retry</c>, and how many connections in a row failed to deliver a message.
/// </summary>
/// <remarks>Owned by one reader at a time (not thread-safe). The id is kept in one pooled buffer that is reused, so
/// following ids costs no allocation per event.</remarks>
internal sealed class StreamCursor : IDisposable
{
    private byte[]? _lastEventId;
    private int _lastEventIdLength;

    /// <summary>The last event id seen; empty when none (or when the server reset it with an empty id).</summary>
    public ReadOnlySpan<byte> LastEventId => _lastEventId.AsSpan(0, _lastEventIdLength);

    /// <summary>True when there is an id to resume from.</summary>
    public bool CanResume => _lastEventIdLength > 0;

    /// <summary>The server's last <c>retry</c>, when it sent one.</summary>
    public TimeSpan? ServerRetry { get; set; }

    /// <summary>Connections in a row that ended (or failed to open) without delivering a message.</summary>
    public int ConsecutiveFailures { get; set; }

    /// <summary>Reconnections made so far (diagnostics and tests).</summary>
    public int Reconnects { get; set; }

    /// <summary>The id as the header value (UTF-8; WHATWG allows any id).</summary>
    public string LastEventIdHeader => Encoding.UTF8.GetString(LastEventId);

    /// <summary>Remembers <paramref name="id"/>; an empty id resets the cursor (WHATWG).</summary>
    public void SetLastEventId(ReadOnlySpan<byte> id)
    {
        if (id.SequenceEqual(LastEventId))
        {
            return;
        }

        if (_lastEventId is null || _lastEventId.Length < id.Length)
        {
            if (_lastEventId is not null)
            {
                ArrayPool<byte>.Shared.Return(_lastEventId);
            }

            _lastEventId = ArrayPool<byte>.Shared.Rent(Math.Max(64, id.Length));
        }

        id.CopyTo(_lastEventId);
        _lastEventIdLength = id.Length;
    }

    /// <summary>Forgets the position (a cursor of an old session means nothing to a new one).</summary>
    public void Reset()
    {
        _lastEventIdLength = 0;
        ServerRetry = null;
    }

    public void Dispose()
    {
        if (_lastEventId is { } buffer)
        {
            _lastEventId = null;
            _lastEventIdLength = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
