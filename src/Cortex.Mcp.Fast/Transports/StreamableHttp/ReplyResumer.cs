using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// Resumes reply streams that ended before their response: GET with <c>Last-Event-ID</c> after the server's
/// <c>retry</c> (exactly, the first time; repeated failed legs back off, see <see cref="ReconnectPolicy"/>), at
/// most <see cref="StreamOptions.MaxReconnectAttempts"/> failed legs in a row. A tool call is suspended instead of
/// waited for (<see cref="Suspend"/>): the dispatcher schedules the wait and a worker runs the next leg, so no
/// worker ever sleeps. Other requests hold no worker and are resumed in place.
/// </summary>
/// <remarks>Thread-safe; the state of one resumption lives in its <see cref="McpPendingRequest"/>'s cursor.</remarks>
internal sealed class ReplyResumer(JsonRpcExchange exchange, McpSessionManager sessions, StreamOptions limits, TimeProvider timeProvider, Action onReconnect)
{
    /// <summary>
    /// Counts one more reply leg that ended before the response and says how to go on: a
    /// <see cref="ResumeRequired"/> (the caller waits its delay), or the failure when the stream cannot be resumed or
    /// too many legs failed in a row. The request is disposed on failure.
    /// </summary>
    public Exception Suspend(McpSession session, McpPendingRequest request)
    {
        if (CountFailedLeg(session, request) is { } failure)
        {
            request.Dispose();
            return failure;
        }

        onReconnect();
        return new ResumeRequired(new Resumption(session, request));
    }

    /// <summary>Runs the next leg of a suspended tool call; suspends it again or ends it (the resumption is then disposed).</summary>
    public async ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken)
    {
        var resume = (Resumption)resumption;
        bool completed;
        try
        {
            completed = await exchange.ResumeAsync(resume.Session, resume.Request, cancellationToken).ConfigureAwait(false);
        }
        catch (TransportFailure failure) when (IsTransientGetFailure(failure))
        {
            // The GET itself failed (a reset, a refused connect, a 503): one more failed leg in the run.
            throw Suspend(resume.Session, resume.Request);
        }
        catch (TransportFailure failure)
        {
            resume.Dispose();
            if (failure.SessionLost)
            {
                sessions.Invalidate(resume.Session);
            }

            // The POST may have run: never reported as "not executed", so only idempotent calls are retried.
            throw failure.AsNetworkFailure($"the reply stream broke and resuming it failed: {failure.Message}");
        }
        catch
        {
            resume.Dispose();
            throw;
        }

        return completed ? StreamableHttpTransport.TakeToolResult(resume.Request) : throw Suspend(resume.Session, resume.Request);
    }

    /// <summary>Resumes <paramref name="request"/>'s reply until it completes, waiting between legs (no worker is held).</summary>
    /// <exception cref="TransportFailure">The stream cannot be resumed, too many legs failed, or a GET was refused.</exception>
    public async ValueTask ResumeInPlaceAsync(McpSession session, McpPendingRequest request, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (CountFailedLeg(session, request) is { } exhausted)
            {
                throw exhausted;
            }

            onReconnect();
            var delay = ReconnectPolicy.Delay(request.Cursor.ServerRetry, request.Cursor.ConsecutiveFailures);
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            }

            try
            {
                if (await exchange.ResumeAsync(session, request, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }
            catch (TransportFailure failure) when (IsTransientGetFailure(failure))
            {
                // Counted by the next turn.
            }
        }
    }

    private static bool IsTransientGetFailure(TransportFailure failure) =>
        !failure.SessionLost
        && (failure.Kind is FailureKind.NetworkError or FailureKind.ConnectFailure
            || (failure.Kind == FailureKind.HttpStatus && FailureClassifier.IsRetryable(failure.Kind, failure.StatusCode)));

    /// <summary>Null when the request may be resumed (its cursor counts the failed leg); else why it may not.</summary>
    private TransportFailure? CountFailedLeg(McpSession session, McpPendingRequest request)
    {
        if (!session.CanResume || !request.Cursor.CanResume)
        {
            return TransportFailure.Network("the server ended the reply stream before the response, and the stream cannot be resumed.");
        }

        // A leg that delivered a message reset the run to 0: its resumption waits exactly the server's retry.
        request.Cursor.ConsecutiveFailures++;
        return request.Cursor.ConsecutiveFailures > limits.MaxReconnectAttempts
            ? TransportFailure.Network($"the reply stream could not be resumed: {limits.MaxReconnectAttempts} reconnections in a row failed.")
            : null;
    }

    /// <summary>A suspended tool call: its session and its request (with the stream cursor).</summary>
    private sealed class Resumption(McpSession session, McpPendingRequest request) : ToolCallResumption
    {
        public McpSession Session { get; } = session;

        public McpPendingRequest Request { get; } = request;

        public override TimeSpan Delay => ReconnectPolicy.Delay(Request.Cursor.ServerRetry, Request.Cursor.ConsecutiveFailures);

        protected override void Dispose(bool disposing) => Request.Dispose();
    }
}
