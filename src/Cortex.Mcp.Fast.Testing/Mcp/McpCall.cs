using Cortex.Mcp.Fast.Testing.Rest;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>
/// One JSON-RPC request being answered: the HTTP context, the parsed message, and where the reply goes: the
/// response body as one JSON document (<see cref="Stream"/> null), or an SSE stream.
/// </summary>
internal readonly struct McpCall(HttpContext context, JsonRpcMessage message, McpEventStream? stream, McpSession? session)
{
    public HttpContext Context { get; } = context;

    public JsonRpcMessage Message { get; } = message;

    public McpEventStream? Stream { get; } = stream;

    public McpSession? Session { get; } = session;

    public ReadOnlySpan<byte> Id => Message.IdSpan;

    /// <summary>True while an HTTP error status can still be sent.</summary>
    public bool CanWriteHttpError => Stream is null || !Stream.Started;

    /// <summary>Sends the final message: the JSON body (synchronously), or the last SSE event.</summary>
    public ValueTask ReplyAsync(ReadOnlySpan<byte> message)
    {
        if (Stream is null)
        {
            McpJson.WriteBody(Context.Response, StatusCodes.Status200OK, message);
            return default;
        }

        return Stream.AppendAsync(message);
    }

    /// <summary>Sends a notification before the reply; dropped for a JSON reply.</summary>
    public ValueTask NotifyAsync(ReadOnlySpan<byte> message) => Stream is null ? default : Stream.AppendAsync(message);

    /// <summary>Starts an SSE reply now (headers, priming event), so a long call shows its stream at once.</summary>
    public ValueTask StartAsync() => Stream is null ? default : Stream.StartAsync();

    /// <summary>
    /// An HTTP error (injected failures, <c>fail</c> with a status, <c>flaky</c>): a JSON-RPC error body with this
    /// request's id, or the body form the faults ask for. Once an SSE reply has started, a JSON-RPC error event
    /// is sent instead.
    /// </summary>
    public ValueTask ReplyHttpErrorAsync(int status, string message, string? retryAfter, ErrorBodyForm form)
    {
        if (!CanWriteHttpError)
        {
            return Stream!.AppendAsync(McpJson.Error(Id, McpErrorCodes.InternalError, message));
        }

        var response = Context.Response;
        if (form is ErrorBodyForm.JsonDetail or ErrorBodyForm.JsonMessage)
        {
            if (retryAfter is not null)
            {
                response.Headers.RetryAfter = retryAfter;
            }

            McpJson.WriteBody(response, status, McpJson.Error(Id, McpErrorCodes.InternalError, message));
        }
        else
        {
            Responses.WriteError(response, status, message, form, retryAfter);
        }

        return default;
    }
}
