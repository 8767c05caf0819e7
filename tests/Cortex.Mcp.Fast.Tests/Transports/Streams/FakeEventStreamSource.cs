using System.Net;
using System.Text;
using Cortex.Mcp.Fast.Tests.Transports.Http;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Tests.Transports.Streams;

/// <summary>
/// An <see cref="IEventStreamSource"/> whose connections are scripted in memory: each open asks the script for the
/// connection's body (or failure), takes the <c>Last-Event-ID</c> exactly as the real sources do
/// (<see cref="EventStreamRequest.LastEventId"/>) and records it.
/// </summary>
internal sealed class FakeEventStreamSource(Func<int, FakeEventStreamSource.Connection> script, bool reopenAfterEnd = false, bool reopenWithoutEventId = false) : IEventStreamSource
{
    private readonly List<string?> _lastEventIds = [];

    public IHttpEngine Engine => EngineResponses.Engine;

    public bool ReopenAfterEnd => reopenAfterEnd;

    public bool ReopenWithoutEventId => reopenWithoutEventId;

    /// <summary>Opens asked for so far.</summary>
    public int Opens => _lastEventIds.Count;

    /// <summary>The <c>Last-Event-ID</c> of each open, null when none was sent.</summary>
    public IReadOnlyList<string?> LastEventIds => _lastEventIds;

    public ValueTask<HttpEngineResponse?> OpenAsync(StreamCursor cursor, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _lastEventIds.Add(EventStreamRequest.LastEventId(cursor));

        var connection = script(_lastEventIds.Count);
        if (connection.Failure is { } failure)
        {
            throw failure;
        }

        if (connection.Body is null)
        {
            return ValueTask.FromResult<HttpEngineResponse?>(null);
        }

        var content = ScriptedBodyStream.Content(Encoding.UTF8.GetBytes(connection.Body), failAtEnd: connection.Broken ? new IOException("cut") : null, mediaType: EventStreamRequest.MediaType);
        return ValueTask.FromResult<HttpEngineResponse?>(EngineResponses.Of(new HttpResponseMessage(HttpStatusCode.OK) { Content = content }));
    }

    /// <summary>One scripted connection: a body that ends cleanly or breaks, a refusal, or null (ask again).</summary>
    internal readonly record struct Connection(string? Body, bool Broken, Exception? Failure)
    {
        public static Connection Ends(string body) => new(body, false, null);

        public static Connection Breaks(string body) => new(body, true, null);

        public static Connection Fails(Exception failure) => new(null, false, failure);

        public static Connection Null => default;
    }
}
