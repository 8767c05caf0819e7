using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// Answers server→client requests that arrive on any stream: <c>ping</c> always; anything else through
/// <see cref="McpOptions.ServerRequestHandler"/>, or error -32601 when there is none or it declines. Each request is
/// answered once, with one POST.
/// </summary>
/// <remarks>Thread-safe: it keeps no state beyond its settings.</remarks>
internal sealed class ServerRequestResponder(McpServerRequestHandler? handler, JsonRpcExchange exchange)
{
    /// <summary>True when a handler is configured (the client then declares sampling, elicitation and roots).</summary>
    public bool HasHandler => handler is not null;

    /// <summary>Answers every request in <paramref name="requests"/>, in order; null means none.</summary>
    public async ValueTask AnswerAllAsync(McpSession session, List<ServerRequest>? requests, CancellationToken cancellationToken)
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
        if (request.Method != McpMethod.Ping && handler is not null)
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
            await exchange.PostAsync(session, body.WrittenMemory, request.MethodName, cancellationToken).ConfigureAwait(false);
        }
        catch (TransportFailure)
        {
            // The server may time out its request; our own call goes on.
        }
    }
}
