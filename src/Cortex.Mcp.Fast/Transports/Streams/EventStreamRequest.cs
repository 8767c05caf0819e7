using System.Net;
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
    public const string MediaType = "text/event-stream";

    /// <summary>Adds the headers of an event-stream GET to <paramref name="request"/>.</summary>
    public static void Prepare(HttpRequestMessage request, StreamCursor cursor)
    {
        request.Headers.TryAddWithoutValidation("Accept", MediaType);
        if (cursor.CanResume)
        {
            // Spec (WHATWG, MCP 2025-11-25 transports): resume with the last event id received.
            request.Headers.TryAddWithoutValidation("Last-Event-ID", cursor.LastEventIdHeader);
        }
    }

    /// <summary>True when <paramref name="response"/> is an accepted event stream.</summary>
    public static bool IsEventStream(HttpResponseMessage response) =>
        response.StatusCode == HttpStatusCode.OK
        && response.Content.Headers.ContentType?.MediaType is { } media
        && media.Equals(MediaType, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Sends <paramref name="request"/> (prepared with <see cref="Prepare"/>) and returns the accepted response.
    /// </summary>
    /// <param name="http">The engine.</param>
    /// <param name="request">The GET.</param>
    /// <param name="refused">Turns a refusal into its failure (the default reads the error body); may return null to
    /// ask the caller to try again at once (for example after renewing a session).</param>
    /// <param name="timeProvider">For <c>Retry-After</c>.</param>
    /// <param name="redactor">Keeps secrets out of the error detail.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The response (owned by the caller), or null when <paramref name="refused"/> asked for another try.</returns>
    /// <exception cref="TransportFailure">The GET failed or was refused.</exception>
    public static async ValueTask<HttpResponseMessage?> SendAsync(
        HttpEngine http,
        HttpRequestMessage request,
        Func<HttpErrorResponse, TransportFailure?>? refused,
        TimeProvider timeProvider,
        SecretRedactor redactor,
        CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (HttpFailureMapper.Map(ex, http.ConnectTimeout, responseStarted: false, cancellationToken) is { } failure)
        {
            throw failure;
        }

        if (IsEventStream(response))
        {
            return response;
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.OK)
            {
                throw TransportFailure.Protocol($"the stream was answered with content type '{response.Content.Headers.ContentType?.MediaType ?? "(none)"}', not {MediaType}.", status: 200);
            }

            var error = await HttpErrorResponse.ReadAsync(response, timeProvider, redactor, cancellationToken).ConfigureAwait(false);
            return refused is null ? throw error.ToFailure() : refused(error) is { } failure ? throw failure : null;
        }
    }
}
