namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>Where a <see cref="ResumableEventStream"/> gets its connections: one implementation per protocol use.</summary>
internal interface IEventStreamSource
{
    /// <summary>The engine the connections come from (it tells a broken connection from other failures).</summary>
    Http.IHttpEngine Engine { get; }

    /// <summary>True when a stream the server ended cleanly is opened again (a standalone stream); false when a clean
    /// end is the end of the content (a resource stream).</summary>
    bool ReopenAfterEnd { get; }

    /// <summary>True when a broken stream may be reopened without an event id (no replay duplicates are possible).</summary>
    bool ReopenWithoutEventId { get; }

    /// <summary>
    /// Opens a connection from <paramref name="cursor"/> (send the GET with <see cref="EventStreamRequest.SendAsync"/>,
    /// with <see cref="EventStreamRequest.LastEventId"/>). Returns the accepted response, or null to be asked again at
    /// once (counted as a failed connection).
    /// </summary>
    /// <exception cref="Errors.TransportFailure">The GET failed or was refused.</exception>
    ValueTask<Http.HttpEngineResponse?> OpenAsync(StreamCursor cursor, CancellationToken cancellationToken);
}
