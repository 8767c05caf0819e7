using System.Text.Json;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Operations;
using Cortex.Mcp.Fast.Transports.Http;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// The one router for JSON-RPC messages that arrive on any stream — a POST reply (JSON body or SSE), its
/// resumption, or the standalone GET stream: our response completes the waiting request, progress for its token is
/// reported, <c>tools/list_changed</c> drops the session's tool cache, <c>resources/updated</c> goes to the
/// subscribers, server→client requests are copied out to be answered, everything else is ignored. No I/O.
/// </summary>
/// <remarks>
/// <para>Ignored, never an error: responses with another or an already completed id (a resumed stream may replay
/// other requests' results), <c>"1"</c> when we sent <c>1</c>, valid JSON that is not JSON-RPC (a replayed priming
/// payload arrives as <c>{}</c>), malformed JSON-RPC. Invalid JSON, or JSON nested too deep, on a reply stream is a
/// protocol break that fails the waiting request; on the standalone stream it is ignored, because one bad event
/// must not end every subscription.</para>
/// <para>Thread-safe: it keeps no state of its own.</para>
/// </remarks>
internal sealed class McpMessageRouter(SubscriptionHub hub, SecretRedactor redactor, McpNotificationHandlers? notifications = null)
{
    /// <summary>Routes one payload.</summary>
    /// <param name="payload">An SSE <c>data</c> or a JSON body.</param>
    /// <param name="session">The session the stream belongs to.</param>
    /// <param name="waiting">The request whose reply stream this is; null on the standalone stream.</param>
    /// <param name="httpStatus">The HTTP status of the reply (for JSON-RPC errors).</param>
    /// <param name="serverRequests">Receives server→client requests to answer.</param>
    public void Route(ReadOnlySpan<byte> payload, McpSession session, McpPendingRequest? waiting, int httpStatus, ref List<ServerRequest>? serverRequests)
    {
        var message = JsonRpcMessageReader.Read(payload);
        switch (message.Kind)
        {
            case JsonRpcMessageKind.InvalidJson:
                waiting?.CompleteWithFailure(TransportFailure.Protocol("the server sent a message that is not valid JSON.", status: httpStatus));
                return;
            case JsonRpcMessageKind.TooDeep:
                waiting?.CompleteWithFailure(TransportFailure.Protocol($"the server sent JSON nested deeper than {JsonRpcMessageReader.MaxDepth}.", status: httpStatus));
                return;
            case JsonRpcMessageKind.Batch:
                foreach (var element in JsonRpcMessageReader.EnumerateBatch(payload))
                {
                    RouteOne(element, session, waiting, httpStatus, ref serverRequests);
                }

                return;
            default:
                RouteOne(message, session, waiting, httpStatus, ref serverRequests);
                return;
        }
    }

    private void RouteOne(JsonRpcMessage message, McpSession session, McpPendingRequest? waiting, int httpStatus, ref List<ServerRequest>? serverRequests)
    {
        switch (message.Kind)
        {
            case JsonRpcMessageKind.Result:
            case JsonRpcMessageKind.Error:
                if (waiting is null || waiting.Completed || !message.TryGetNumericId(out var id) || id != waiting.Id)
                {
                    return; // another request's, a replay, or a duplicate: never ours to complete
                }

                if (message.Kind == JsonRpcMessageKind.Error)
                {
                    var text = TextSanitizer.Sanitize(message.GetErrorMessage() ?? "(no message)", redactor);
                    waiting.CompleteWithFailure(TransportFailure.JsonRpc(message.ErrorCode, $"JSON-RPC error {message.ErrorCode}: {text}", httpStatus));
                    return;
                }

                CompleteResult(waiting, in message);
                return;

            case JsonRpcMessageKind.Notification:
                HandleNotification(in message, session, waiting);
                if (notifications is { IsEmpty: false } handlers)
                {
                    // After the client's own handling, so a handler that lists again sees the invalidated cache.
                    Publish(handlers, in message);
                }

                return;

            case JsonRpcMessageKind.Request:
                (serverRequests ??= []).Add(new ServerRequest(message.Method, message.GetMethodName() ?? string.Empty, message.RawId.ToArray(), message.Params.ToArray()));
                return;

            default:
                return;
        }
    }

    /// <summary>What the client itself does with a notification: progress, cache invalidation, subscriptions.</summary>
    private void HandleNotification(in JsonRpcMessage message, McpSession session, McpPendingRequest? waiting)
    {
        switch (message.Method)
        {
            case McpMethod.Progress:
                if (waiting is { Completed: false } && McpPayloadReader.TryReadProgress(message.Params, out var progress)
                    && progress.ProgressToken.TryGetNumber(out var token) && token == waiting.Id)
                {
                    waiting.ReportProgress(progress);
                }

                return;
            case McpMethod.ToolsListChanged:
                session.Tools = null;
                return;
            case McpMethod.ResourcesUpdated:
                if (McpPayloadReader.TryReadResourceUpdated(message.Params, out var uri) && uri is not null)
                {
                    hub.Publish(uri);
                }

                return;
            default:
                return;
        }
    }

    /// <summary>Hands a notification to the caller's handlers; the method name is a constant for the known ones.</summary>
    private static void Publish(McpNotificationHandlers handlers, in JsonRpcMessage message)
    {
        var name = message.Method switch
        {
            McpMethod.Progress => McpNotificationMethods.Progress,
            McpMethod.LogMessage => McpNotificationMethods.Message,
            McpMethod.Cancelled => McpNotificationMethods.Cancelled,
            McpMethod.ResourcesUpdated => McpNotificationMethods.ResourcesUpdated,
            McpMethod.ToolsListChanged => McpNotificationMethods.ToolsListChanged,
            McpMethod.ResourcesListChanged => McpNotificationMethods.ResourcesListChanged,
            McpMethod.PromptsListChanged => McpNotificationMethods.PromptsListChanged,
            _ => message.GetMethodName(),
        };
        if (name is not null && handlers.Wants(name))
        {
            handlers.Publish(name, message.Params);
        }
    }

    private void CompleteResult(McpPendingRequest waiting, in JsonRpcMessage message)
    {
        var result = message.Result;
        if (waiting.Kind != McpReplyKind.ToolCall)
        {
            waiting.CompleteWithResult(result);
            return;
        }

        // isError and resultType were read in the pass that found the result: the reply is scanned once.
        var info = message.ResultInfo;
        if (!message.ResultIsObject)
        {
            waiting.CompleteWithFailure(TransportFailure.Protocol("the tool result is not a JSON object.", status: 200));
            return;
        }

        if (info.ResultType != McpResultType.Complete)
        {
            waiting.CompleteWithFailure(TransportFailure.Protocol($"the tool result has resultType {info.ResultType}, which this client does not support.", status: 200));
            return;
        }

        if (info.IsError)
        {
            var (text, content) = DescribeToolError(result);
            waiting.CompleteWithFailure(TransportFailure.ToolFailed($"the tool reported an error: {text}", content));
            return;
        }

        waiting.CompleteWithResult(result);
    }

    /// <summary>The message of a tool error: the text of its first text content, sanitised; and the content as JSON.</summary>
    private (string Text, string? ContentJson) DescribeToolError(ReadOnlySpan<byte> result)
    {
        string? text = null, content = null;
        try
        {
            var reader = new Utf8JsonReader(result, new JsonReaderOptions { MaxDepth = JsonRpcMessageReader.MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.TryGetProperty("content"u8, out var items) && items.ValueKind == JsonValueKind.Array)
            {
                content = redactor.Redact(items.GetRawText());
                foreach (var item in items.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("text"u8, out var t) && t.ValueKind == JsonValueKind.String)
                    {
                        text = t.GetString();
                        break;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // The reader already checked the result; a failure here only loses the detail.
        }

        return (text is null ? "(no text)" : TextSanitizer.Sanitize(text, redactor), content);
    }
}
