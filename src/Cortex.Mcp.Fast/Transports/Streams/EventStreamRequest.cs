using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.Transports.Streams;

/// <summary>
/// The one GET that opens (or reopens) an event stream, for every protocol: asks for <c>text/event-stream</c>, sends
/// <c>Last-Event-ID</c> when the cursor has one, and accepts only a 200 with that content type. Anything else is
/// read into a <see cref="TransportFailure"/> (a caller may recognise its own cases first, such as a lost MCP session).
/// </summary>
internal static class EventStreamRequest
{
    /// <summary>The content type of an event stream.</summary>
    public const string MediaType = HttpEngineResponse.EventStreamMediaType;

    /// <summary>Prepares the GET target of an event stream at <paramref name="uri"/> (once per address).</summary>
    public static HttpTarget CreateTarget(IHttpEngine http, Uri uri) => http.CreateTarget(HttpMethod.Get, uri, MediaType, contentType: null);

    /// <summary>The <c>Last-Event-ID</c> to send from <paramref name="cursor"/>, or null.</summary>
    /// <remarks>Spec (WHATWG, MCP 2025-11-25 transports): resume with the last event id received.</remarks>
    public static string? LastEventId(StreamCursor cursor) => cursor.CanResume ? cursor.LastEventIdHeader : null;

    /// <summary>
    /// Sends the GET (<paramref name="fields"/> should carry <see cref="LastEventId"/>) and returns the accepted response.
    /// </summary>
    /// <param name="http">The engine.</param>
    /// <param name="target">The GET target, from <see cref="CreateTarget"/>.</param>
    /// <param name="fields">The request's header fields.</param>
    /// <param name="refused">Turns a refusal into its failure (the default reads the error body); may return null to
    /// ask the caller to try again at once (for example after renewing a session).</param>
    /// <param name="timeProvider">For <c>Retry-After</c>.</param>
    /// <param name="redactor">Keeps secrets out of the error detail.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The response (owned by the caller), or null when <paramref name="refused"/> asked for another try.</returns>
    /// <exception cref="TransportFailure">The GET failed or was refused.</exception>
    public static async ValueTask<HttpEngineResponse?> SendAsync(
        IHttpEngine http,
        HttpTarget target,
        HttpRequestFields fields,
        Func<HttpErrorResponse, TransportFailure?>? refused,
        TimeProvider timeProvider,
        SecretRedactor redactor,
        CancellationToken cancellationToken)
    {
        HttpEngineResponse response;
        try
        {
            response = await http.SendAsync(target, fields, ReadOnlyMemory<byte>.Empty, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (http.MapFailure(ex, responseStarted: false, cancellationToken) is { } failure)
        {
            throw failure;
        }

        if (response.IsEventStream)
        {
            return response;
        }

        await using (response.ConfigureAwait(false))
        {
            if (response.Status == 200)
            {
                throw TransportFailure.Protocol($"the stream was answered with content type '{response.MediaType ?? "(none)"}', not {MediaType}.", status: 200);
            }

            var error = await HttpErrorResponse.ReadAsync(response, timeProvider, redactor, cancellationToken).ConfigureAwait(false);
            return refused is null ? throw error.ToFailure() : refused(error) is { } failure ? throw failure : null;
        }
    }
}
