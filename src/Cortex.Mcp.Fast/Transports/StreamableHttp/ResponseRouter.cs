namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>What routing one payload did, beyond completing the exchange.</summary>
[Flags]
internal enum RouteSignals : byte
{
    /// <summary>Nothing to act on.</summary>
    None = 0,

    /// <summary>The server said its tool list changed: drop the cached list.</summary>
    ToolsListChanged = 1,

    /// <summary>A server→client request was queued for an answer.</summary>
    ServerRequest = 2,
}

/// <summary>
/// Routes one received JSON-RPC payload (an SSE <c>data</c> or a JSON body) to the request waiting on that stream:
/// our response completes the <see cref="McpExchange"/>, progress for its token is reported, server→client requests
/// are copied out to be answered, everything else is ignored. Pure: no I/O, no HTTP types.
/// </summary>
/// <remarks>
/// Ignored, never an error (MCP-WIRE.md §2.3, RELIABILITY row 22): responses with another or an already completed
/// id (resumed GET streams replay other requests' results), <c>"1"</c> when we sent <c>1</c>, payloads that are
/// valid JSON but not JSON-RPC (a replayed priming payload arrives as <c>{}</c>), malformed JSON-RPC. Invalid JSON
/// or JSON nested too deep is a protocol break (<see cref="ServiceProtocolException"/>).
/// </remarks>
internal static class ResponseRouter
{
    /// <summary>Routes <paramref name="payload"/>; server→client requests are appended to <paramref name="serverRequests"/>.</summary>
    public static RouteSignals Route(McpExchange exchange, ReadOnlySpan<byte> payload, int httpStatus, ref List<ServerRequest>? serverRequests)
    {
        var message = JsonRpcMessageReader.Read(payload);
        switch (message.Kind)
        {
            case JsonRpcMessageKind.InvalidJson:
                throw new ServiceProtocolException(exchange.Service, exchange.Tool, $"Service '{exchange.Service}' sent a message that is not valid JSON.");
            case JsonRpcMessageKind.TooDeep:
                throw new ServiceProtocolException(exchange.Service, exchange.Tool, $"Service '{exchange.Service}' sent JSON nested deeper than {JsonRpcMessageReader.MaxDepth}.");
            case JsonRpcMessageKind.Batch:
                var signals = RouteSignals.None;
                foreach (var element in JsonRpcMessageReader.EnumerateBatch(payload))
                {
                    signals |= RouteOne(exchange, element, httpStatus, ref serverRequests);
                }

                return signals;
            default:
                return RouteOne(exchange, message, httpStatus, ref serverRequests);
        }
    }

    private static RouteSignals RouteOne(McpExchange exchange, JsonRpcMessage message, int httpStatus, ref List<ServerRequest>? serverRequests)
    {
        switch (message.Kind)
        {
            case JsonRpcMessageKind.Result:
            case JsonRpcMessageKind.Error:
                if (exchange.Completed || !message.TryGetNumericId(out var id) || id != exchange.Id)
                {
                    return RouteSignals.None; // another request's, a replay, or a duplicate: never ours to complete
                }

                if (message.Kind == JsonRpcMessageKind.Error)
                {
                    exchange.CompleteWithError(McpExchange.FromJsonRpcError(exchange.Service, exchange.Tool, message.ErrorCode, message.GetErrorMessage(), httpStatus));
                    return RouteSignals.None;
                }

                CompleteResult(exchange, message.Result);
                return RouteSignals.None;

            case JsonRpcMessageKind.Notification:
                switch (message.Method)
                {
                    case McpMethod.Progress:
                        if (McpPayloadReader.TryReadProgress(message.Params, out var progress)
                            && progress.ProgressToken.TryGetNumber(out var token) && token == exchange.Id && !exchange.Completed)
                        {
                            exchange.ReportProgress(progress);
                        }

                        return RouteSignals.None;
                    case McpMethod.ToolsListChanged:
                        return RouteSignals.ToolsListChanged;
                    default:
                        return RouteSignals.None;
                }

            case JsonRpcMessageKind.Request:
                (serverRequests ??= []).Add(new ServerRequest(message.Method, message.GetMethodName() ?? string.Empty, message.RawId.ToArray(), message.Params.ToArray()));
                return RouteSignals.ServerRequest;

            default:
                return RouteSignals.None;
        }
    }

    private static void CompleteResult(McpExchange exchange, ReadOnlySpan<byte> result)
    {
        if (exchange.Kind != McpReplyKind.ToolCall)
        {
            exchange.CompleteWithResult(result);
            return;
        }

        if (!McpPayloadReader.TryReadToolCallResult(result, out var info))
        {
            exchange.CompleteWithError(new ServiceProtocolException(exchange.Service, exchange.Tool, $"Service '{exchange.Service}' answered tool '{exchange.Tool}' with a result that is not a JSON object."));
            return;
        }

        if (info.ResultType != McpResultType.Complete)
        {
            exchange.CompleteWithError(new ServiceProtocolException(exchange.Service, exchange.Tool, $"Service '{exchange.Service}' answered tool '{exchange.Tool}' with resultType {info.ResultType}, which this client does not support."));
            return;
        }

        if (info.IsError)
        {
            var (text, content) = McpExchange.DescribeToolError(exchange.Service, exchange.Tool, result);
            exchange.CompleteWithError(new ToolErrorException(exchange.Service, exchange.Tool, text, content));
            return;
        }

        exchange.CompleteWithResult(result);
    }
}
