using System.Globalization;
using Cortex.Mcp.Fast.Testing.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>
/// Stateful mode: sessions, SSE replies with resumable event ids, the standalone GET stream, resumption by
/// <c>Last-Event-ID</c>, and DELETE.
/// </summary>
/// <remarks>
/// Errors (all <c>application/json</c> JSON-RPC errors): no <c>Mcp-Session-Id</c> on a request other than
/// <c>initialize</c> → 400 -32000; an unknown, expired or deleted session → <see cref="TestMcpEndpoint.SessionLostStatus"/>;
/// GET without <c>text/event-stream</c> in Accept → 406; a <c>Last-Event-ID</c> naming no stream of the session →
/// 400 -32000; a second standalone GET → 409 -32000.
/// </remarks>
internal sealed class McpStatefulEndpoint(McpMethods methods, TestMcpEndpoint control, ConnectionRegistry connections,
    CancellationToken stopping)
{
    public const string SessionHeader = "Mcp-Session-Id";

    public async Task PostAsync(HttpContext context, JsonRpcMessage message)
    {
        McpSession? session;
        if (message.Kind == JsonRpcKind.Request && message.Method == McpMethod.Initialize)
        {
            session = new McpSession(McpVersions.Negotiate(message.ProtocolVersion), control, connections, stopping);
            control.Sessions.Add(session);
            control.OnSessionsChanged();
            context.Response.Headers[SessionHeader] = session.Id;
        }
        else if (!TryGetSession(context, out session))
        {
            return;
        }

        if (message.Kind == JsonRpcKind.Notification)
        {
            methods.OnNotification(message, session);
            McpJson.WriteAccepted(context.Response);
            return;
        }

        if (message.Kind == JsonRpcKind.Response)
        {
            control.OnClientResponse(message.IdSpan);
            McpJson.WriteAccepted(context.Response);
            return;
        }

        var stream = session.OpenPostStream(context, control.TakeCut());
        try
        {
            await methods.HandleAsync(new McpCall(context, message, stream, session)).ConfigureAwait(false);
        }
        finally
        {
            stream.Complete();
        }

        if (stream.WasCut)
        {
            // The connection's output is complete; returning would make Kestrel write the end of a body it can no
            // longer send. Wait for the client to notice and leave (or for the service to stop).
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
            try
            {
                await Task.Delay(Timeout.Infinite, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Expected.
            }
        }
        else
        {
            await stream.DetachAsync(context).ConfigureAwait(false);
        }
    }

    public async Task GetAsync(HttpContext context)
    {
        if (!AcceptsEventStream(context.Request.Headers.Accept))
        {
            McpJson.WriteHttpError(context.Response, StatusCodes.Status406NotAcceptable, McpErrorCodes.ServerError,
                "Not Acceptable: Client must accept text/event-stream");
            return;
        }

        if (!TryGetSession(context, out var session))
        {
            return;
        }

        McpEventStream stream;
        long after = -1;
        var lastEventId = context.Request.Headers["Last-Event-ID"];
        var resume = !StringValues.IsNullOrEmpty(lastEventId);
        if (resume)
        {
            if (!TryParseEventId(lastEventId[0]!, out var streamId, out after) || !session.TryGetStream(streamId, out stream))
            {
                McpJson.WriteHttpError(context.Response, StatusCodes.Status400BadRequest, McpErrorCodes.ServerError,
                    "Bad Request: Last-Event-ID names no stream that can be resumed");
                return;
            }

            control.OnResumption();
        }
        else
        {
            stream = session.Standalone;
        }

        var standalone = ReferenceEquals(stream, session.Standalone);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping, session.Ended);
        bool attached;
        try
        {
            attached = await stream.AttachAsync(context, after, exclusive: !resume,
                standalone ? control.OnStandaloneOpened : null, standalone ? control.OnStandaloneClosed : null,
                linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            context.Abort();
            return;
        }

        if (!attached)
        {
            McpJson.WriteHttpError(context.Response, StatusCodes.Status409Conflict, McpErrorCodes.ServerError,
                "Conflict: Only one SSE stream is allowed per session");
        }
    }

    public void Delete(HttpContext context)
    {
        if (!TryGetSession(context, out var session))
        {
            return;
        }

        if (control.Sessions.TryEnd(session.Id))
        {
            control.OnDelete();
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentLength = 0;
    }

    private bool TryGetSession(HttpContext context, out McpSession session)
    {
        var values = context.Request.Headers[SessionHeader];
        if (StringValues.IsNullOrEmpty(values))
        {
            session = null!;
            McpJson.WriteHttpError(context.Response, StatusCodes.Status400BadRequest, McpErrorCodes.ServerError,
                "Bad Request: Mcp-Session-Id header is required");
            return false;
        }

        if (control.Sessions.TryGet(values[0]!, out session))
        {
            return true;
        }

        if (control.SessionLostStatus == StatusCodes.Status404NotFound)
        {
            McpJson.WriteHttpError(context.Response, StatusCodes.Status404NotFound, McpErrorCodes.SessionNotFound,
                "Session not found");
        }
        else
        {
            // server-everything's answer: 400, -32000, and no id member at all.
            McpJson.WriteBody(context.Response, StatusCodes.Status400BadRequest,
                McpJson.Error(default, McpErrorCodes.ServerError, "Bad Request: No valid session ID provided",
                    includeId: false));
        }

        return false;
    }

    private static bool TryParseEventId(string value, out string streamId, out long index)
    {
        var dash = value.LastIndexOf('-');
        streamId = dash > 0 ? value[..dash] : string.Empty;
        index = -1;
        return dash > 0
            && long.TryParse(value.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out index);
    }

    private static bool AcceptsEventStream(StringValues accept)
    {
        if (accept.Count == 0)
        {
            return true;
        }

        foreach (var value in accept)
        {
            if (value is not null
                && (value.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase)
                    || value.Contains("*/*", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }
}
