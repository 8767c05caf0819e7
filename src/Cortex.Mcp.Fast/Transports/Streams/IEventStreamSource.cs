namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>Where a <see cref="ResumableEventStream"/> gets its connections: one implementation per protocol use.</summary>
internal interface IEventStreamSource
{
    /// <summary>True when a stream the server ended cleanly is opened again (a standalone stream); false when a clean
    /// end is the end of the content (a resource stream).</summary>
    bool ReopenAfterEnd { get; }

    /// <summary>True when a broken stream may be reopened without an event id (no replay duplicates are possible).</summary>
    bool ReopenWithoutEventId { get; }

    /// <summary>
    /// Opens a connection from <paramref name="cursor"/> (build the GET with <see cref="EventStreamRequest.Prepare"/>
    /// and send it with <see cref="EventStreamRequest.SendAsync"/>). Returns the accepted response, or null to be
    /// asked again at once (counted as a failed connection).
    /// </summary>
    /// <exception cref="Errors.TransportFailure">The GET failed or was refused.</exception>
    ValueTask<HttpResponseMessage?> OpenAsync(StreamCursor cursor, CancellationToken cancellationToken);
}
