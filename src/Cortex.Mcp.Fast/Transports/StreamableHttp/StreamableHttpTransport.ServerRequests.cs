namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// Answers to server→client requests that arrive on any stream: <c>ping</c> always; anything else through
/// <see cref="McpOptions.ServerRequestHandler"/>, or error -32601 when there is none or it declines.
/// </summary>
internal sealed partial class StreamableHttpTransport
{
    private async ValueTask AnswerAllAsync(McpSession session, List<ServerRequest>? requests, CancellationToken cancellationToken)
    {
        if (requests is null)
        {
            return;
        }

        foreach (var request in requests)
        {
            await AnswerAsync(session, request, cancellationToken).ConfigureAwait(false);
        }
    }

    private async ValueTask AnswerAsync(McpSession session, ServerRequest request, CancellationToken cancellationToken)
    {
        byte[]? result = null;
        string? failure = null;
        if (request.Method != McpMethod.Ping && _options.Mcp.ServerRequestHandler is { } handler)
        {
            try
            {
                result = await handler(request.MethodName, request.Params, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception)
            {
                // The handler's exception text is not sent to the server: it may hold local details.
                failure = "The client failed to handle the request.";
            }
        }

        using var body = new PooledBufferWriter(256);
        var writer = session.Writers.Get();
        try
        {
            if (request.Method == McpMethod.Ping)
            {
                writer.WritePingResult(body, request.RawId);
            }
            else if (failure is not null)
            {
                writer.WriteErrorResponse(body, request.RawId, JsonRpcErrorCodes.InternalError, failure);
            }
            else if (result is not null)
            {
                try
                {
                    writer.WriteResult(body, request.RawId, result);
                }
                catch (System.Text.Json.JsonException)
                {
                    body.Clear();
                    writer.WriteErrorResponse(body, request.RawId, JsonRpcErrorCodes.InternalError, "The client produced an invalid result.");
                }
            }
            else
            {
                writer.WriteMethodNotFound(body, request.RawId);
            }
        }
        finally
        {
            session.Writers.Return(writer);
        }

        try
        {
            // Spec (2025-11-25 transports): a JSON-RPC response POSTed by the client gets 202 Accepted.
            await PostNotificationAsync(string.Empty, session, body, request.MethodName, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceCallException)
        {
            // The server may time out its request; our own call goes on.
        }
    }
}
