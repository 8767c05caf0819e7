using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// Answers server→client requests that arrive on any stream (a POST's reply or the standalone GET): <c>ping</c>
/// always; <c>sampling/createMessage</c>, <c>elicitation/create</c> and <c>roots/list</c> through their typed
/// handlers; anything else through the raw <see cref="McpOptions.ServerRequestHandler"/>; error -32601 when there is
/// no handler (so a capability we did not declare is never served). Each request is answered once, with one POST.
/// </summary>
/// <remarks>
/// <para>Answers run inline on the reading loop of the stream that carried the request, with that stream's token:
/// for a call's reply stream this is the call's token, so its deadline and cancellation bound the handler; every
/// handler is also bounded by <see cref="McpOptions.ServerRequestTimeout"/>. When the stream's own token fires, no
/// answer is sent (the call is gone); when only our timeout fires, the server gets -32603.</para>
/// <para>"Once": a request id seen on a session is not answered again (a replayed event, or the same request on a
/// second stream); the memory of ids is bounded to the most recent <see cref="RememberedIds"/>.</para>
/// <para>Thread-safe: the id memory is under <see cref="_gate"/>; everything else is read-only after
/// <see cref="Attach"/>, which the transport calls once, before its first session.</para>
/// </remarks>
internal sealed class ServerRequestResponder(McpServerRequestHandler? handler, JsonRpcExchange exchange)
{
    /// <summary>Request ids remembered per responder (all sessions): enough for any burst a server sends.</summary>
    internal const int RememberedIds = 256;

    private readonly Lock _gate = new();
    private readonly HashSet<(int Generation, string Id)> _seen = [];
    private readonly Queue<(int Generation, string Id)> _seenOrder = new();
    private ServerRequestHandlers? _handlers;

    /// <summary>True when any handler is configured (the client then keeps the standalone stream open).</summary>
    public bool HasHandler => _handlers?.Any ?? handler is not null;

    /// <summary>Binds the typed handlers of the service's options; called once by the transport before first use.</summary>
    public void Attach(ServerRequestHandlers handlers) => _handlers = handlers;

    /// <summary>Answers every request in <paramref name="requests"/>, in order; null means none.</summary>
    public async ValueTask AnswerAllAsync(McpSession session, List<ServerRequest>? requests, CancellationToken cancellationToken)
    {
        if (requests is null)
        {
            return;
        }

        foreach (var request in requests)
        {
            if (FirstSighting(session, request))
            {
                await AnswerAsync(session, request, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>True the first time a request id is seen on a session; false for a repeat.</summary>
    private bool FirstSighting(McpSession session, ServerRequest request)
    {
        var key = (session.Generation, Encoding.UTF8.GetString(request.RawId));
        lock (_gate)
        {
            if (!_seen.Add(key))
            {
                return false;
            }

            _seenOrder.Enqueue(key);
            if (_seenOrder.Count > RememberedIds)
            {
                _seen.Remove(_seenOrder.Dequeue());
            }

            return true;
        }
    }

    private async ValueTask AnswerAsync(McpSession session, ServerRequest request, CancellationToken cancellationToken)
    {
        using var body = new PooledBufferWriter(256);
        var outcome = await ProduceAsync(request, cancellationToken).ConfigureAwait(false);
        var writer = session.Writers.Get();
        try
        {
            switch (outcome.Kind)
            {
                case AnswerKind.Result when outcome.Result is { } result:
                    try
                    {
                        writer.WriteResult(body, request.RawId, result);
                    }
                    catch (JsonException)
                    {
                        body.Clear();
                        writer.WriteErrorResponse(body, request.RawId, JsonRpcErrorCodes.InternalError, "The client produced an invalid result.");
                    }

                    break;
                case AnswerKind.Error:
                    writer.WriteErrorResponse(body, request.RawId, outcome.Code, outcome.Message!);
                    break;
                default:
                    writer.WriteMethodNotFound(body, request.RawId);
                    break;
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

    /// <summary>Runs the handler for <paramref name="request"/> and says what to answer.</summary>
    private async ValueTask<Answer> ProduceAsync(ServerRequest request, CancellationToken cancellationToken)
    {
        if (request.Method == McpMethod.Ping)
        {
            return Answer.FromResult("{}"u8.ToArray());
        }

        var handlers = _handlers;
        if (handlers is null)
        {
            // Not attached (a transport that composes the responder without typed handlers): the raw handler only.
            return handler is null || IsTypedMethod(request.Method)
                ? Answer.NotFound
                : await RunAsync(request, handlers: null, cancellationToken).ConfigureAwait(false);
        }

        return handlers.Serves(request.Method) ? await RunAsync(request, handlers, cancellationToken).ConfigureAwait(false) : Answer.NotFound;
    }

    private async ValueTask<Answer> RunAsync(ServerRequest request, ServerRequestHandlers? handlers, CancellationToken cancellationToken)
    {
        var timeout = handlers?.Timeout ?? Timeout.InfiniteTimeSpan;
        using var deadline = handlers is null ? new CancellationTokenSource() : new CancellationTokenSource(timeout, handlers.TimeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var result = handlers is null
                ? await handler!(request.MethodName, request.Params, linked.Token).ConfigureAwait(false)
                : await handlers.HandleAsync(request, linked.Token).ConfigureAwait(false);
            return result is null ? Answer.NotFound : Answer.FromResult(result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the stream's own token: the call is gone, nobody waits for this answer
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return Answer.Error(JsonRpcErrorCodes.InternalError, "The client did not answer in time.");
        }
        catch (FormatException ex)
        {
            // Our own text about the server's input: names fields, never values.
            return Answer.Error(JsonRpcErrorCodes.InvalidParams, "Invalid params: " + ex.Message);
        }
        catch (ElicitationModeNotDeclaredException)
        {
            return Answer.Error(JsonRpcErrorCodes.InvalidParams, "The client does not support this elicitation mode.");
        }
        catch (Exception ex) when (ex is ArgumentException or JsonException)
        {
            return Answer.Error(JsonRpcErrorCodes.InternalError, "The client produced an invalid result.");
        }
        catch (Exception)
        {
            // The handler's exception text is not sent to the server: it may hold local details.
            return Answer.Error(JsonRpcErrorCodes.InternalError, "The client failed to handle the request.");
        }
    }

    private static bool IsTypedMethod(McpMethod method) =>
        method is McpMethod.SamplingCreateMessage or McpMethod.ElicitationCreate or McpMethod.RootsList;

    private enum AnswerKind : byte
    {
        NotFound,
        Result,
        Error,
    }

    private readonly record struct Answer(AnswerKind Kind, byte[]? Result, int Code, string? Message)
    {
        public static Answer NotFound => default;

        public static Answer FromResult(byte[] result) => new(AnswerKind.Result, result, 0, null);

        public static Answer Error(int code, string message) => new(AnswerKind.Error, null, code, message);
    }
}
