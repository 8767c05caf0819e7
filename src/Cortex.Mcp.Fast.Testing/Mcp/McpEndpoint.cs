using System.Buffers;
using System.Text.Json;
using Cortex.Mcp.Fast.Testing.Internal;
using Cortex.Mcp.Fast.Testing.Rest;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>
/// <c>POST/GET/DELETE /mcp</c>: MCP Streamable HTTP. Reads the body whole from the request pipe, parses it once,
/// and answers by mode (see <see cref="TestMcpMode"/>); session handling and SSE streams live in
/// <see cref="McpStatefulEndpoint"/>.
/// </summary>
internal sealed class McpEndpoint
{
    private static readonly Action<HttpResponse, BadHttpRequestException> s_writeBadBody = static (response, ex) =>
        McpJson.WriteHttpError(response, ex.StatusCode, McpErrorCodes.ServerError, "Bad request body: " + ex.Message);

    private readonly TestMcpEndpoint _control;
    private readonly McpMethods _methods;
    private readonly McpStatefulEndpoint _stateful;
    private readonly ConnectionRegistry _connections;
    private readonly CancellationToken _stopping;

    public McpEndpoint(TestFaults faults, TestServiceCounters counters, TestMcpEndpoint control,
        ConnectionRegistry connections, CancellationToken stopping)
    {
        _control = control;
        _connections = connections;
        _stopping = stopping;
        _methods = new McpMethods(new McpTools(faults, counters, control, stopping), counters, control);
        _stateful = new McpStatefulEndpoint(_methods, control, connections, stopping);
    }

    public Task HandleAsync(HttpContext context)
    {
        var method = context.Request.Method;
        if (HttpMethods.IsPost(method))
        {
            return PostAsync(context);
        }

        var stateless = _control.Mode == TestMcpMode.StatelessJson;
        if (HttpMethods.IsGet(method) && !stateless)
        {
            return _stateful.GetAsync(context);
        }

        if (HttpMethods.IsDelete(method) && !stateless)
        {
            _stateful.Delete(context);
            return Task.CompletedTask;
        }

        Responses.WriteMethodNotAllowed(context.Response, stateless ? "POST" : "GET, POST, DELETE");
        return Task.CompletedTask;
    }

    private async Task PostAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentType is { } contentType
            && !contentType.StartsWith(McpJson.JsonContentType, StringComparison.OrdinalIgnoreCase))
        {
            McpJson.WriteHttpError(context.Response, StatusCodes.Status415UnsupportedMediaType, McpErrorCodes.ServerError,
                "Unsupported Media Type: Content-Type must be application/json");
            return;
        }

        if (await RequestBody.ReadWholeAsync(context, s_writeBadBody).ConfigureAwait(false) is not { } result)
        {
            return;
        }

        var buffer = result.Buffer;
        byte[]? rented = null;
        try
        {
            ReadOnlyMemory<byte> body;
            if (buffer.IsSingleSegment)
            {
                body = buffer.First;
            }
            else
            {
                rented = ArrayPool<byte>.Shared.Rent((int)buffer.Length);
                buffer.CopyTo(rented);
                body = rented.AsMemory(0, (int)buffer.Length);
            }

            await ProcessAsync(context, body).ConfigureAwait(false);
        }
        finally
        {
            request.BodyReader.AdvanceTo(buffer.End);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private Task ProcessAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        JsonRpcMessage message;
        try
        {
            message = JsonRpcMessage.Parse(body);
        }
        catch (JsonException)
        {
            McpJson.WriteHttpError(context.Response, StatusCodes.Status400BadRequest, McpErrorCodes.ParseError,
                "Parse error: Invalid JSON");
            return Task.CompletedTask;
        }

        switch (message.Kind)
        {
            case JsonRpcKind.Batch:
                McpJson.WriteHttpError(context.Response, StatusCodes.Status400BadRequest, McpErrorCodes.InvalidRequest,
                    "Invalid Request: batches are not supported");
                return Task.CompletedTask;
            case JsonRpcKind.Invalid:
                McpJson.WriteHttpError(context.Response, StatusCodes.Status400BadRequest, McpErrorCodes.InvalidRequest,
                    "Invalid Request: not a JSON-RPC 2.0 message");
                return Task.CompletedTask;
        }

        if (_control.Mode == TestMcpMode.StatefulSse)
        {
            return _stateful.PostAsync(context, message);
        }

        // Stateless: no session; notifications and client responses are accepted, requests answered as JSON.
        switch (message.Kind)
        {
            case JsonRpcKind.Notification:
                _methods.OnNotification(message, session: null);
                McpJson.WriteAccepted(context.Response);
                return Task.CompletedTask;
            case JsonRpcKind.Response:
                _control.OnClientResponse(message.IdSpan);
                McpJson.WriteAccepted(context.Response);
                return Task.CompletedTask;
        }

        if (message.Method == McpMethod.ToolsCall && message.Tool == ToolKind.Progress && message.ProgressToken.IsPresent)
        {
            return StatelessStreamAsync(context, message);
        }

        var reply = _methods.HandleAsync(new McpCall(context, message, stream: null, session: null));
        return reply.IsCompletedSuccessfully ? Task.CompletedTask : reply.AsTask();
    }

    /// <summary>A stateless <c>progress</c> call with a progress token: an SSE reply without ids or priming.</summary>
    private async Task StatelessStreamAsync(HttpContext context, JsonRpcMessage message)
    {
        var stream = new McpEventStream(id: null, context, priming: false, cutAfter: -1, _control, _connections, _stopping);
        try
        {
            await _methods.HandleAsync(new McpCall(context, message, stream, session: null)).ConfigureAwait(false);
        }
        finally
        {
            stream.Complete();
        }
    }
}
