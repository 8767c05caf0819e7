using System.Globalization;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>Answers JSON-RPC requests and notifications; <c>tools/call</c> goes to <see cref="McpTools"/>.</summary>
/// <remarks>Resources: <c>test://text/{n}</c> (text <c>Resource n</c>) and <c>test://blob/{n}</c> (n bytes, byte i
/// = i mod 256, base64), n from 0 to 16 MiB; anything else is error -32002. Each read is counted in
/// <see cref="TestServiceCounters.ResourceRequests"/> under its URI.</remarks>
internal sealed class McpMethods(McpTools tools, TestServiceCounters counters, TestMcpEndpoint control)
{
    private const int MaxBlobBytes = 16 * 1024 * 1024;

    public ValueTask HandleAsync(McpCall call)
    {
        var id = call.Id;
        switch (call.Message.Method)
        {
            case McpMethod.ToolsCall:
                return tools.CallAsync(call);
            case McpMethod.Initialize:
                control.OnInitialize();
                var version = McpVersions.Negotiate(call.Message.ProtocolVersion);
                return call.ReplyAsync(McpJson.Result(id,
                    version == McpVersions.Previous ? McpCatalog.InitializePrevious : McpCatalog.InitializeLatest));
            case McpMethod.Ping or McpMethod.LoggingSetLevel:
                return call.ReplyAsync(McpJson.Result(id, McpCatalog.Empty));
            case McpMethod.ToolsList:
                return call.ReplyAsync(McpJson.Result(id, McpCatalog.Tools));
            case McpMethod.ResourcesList:
                return call.ReplyAsync(McpJson.Result(id, McpCatalog.Resources));
            case McpMethod.ResourcesTemplatesList:
                return call.ReplyAsync(McpJson.Result(id, McpCatalog.ResourceTemplates));
            case McpMethod.ResourcesRead:
                return Read(call);
            case McpMethod.ResourcesSubscribe or McpMethod.ResourcesUnsubscribe:
                return Subscribe(call);
            default:
                return call.ReplyAsync(McpJson.Error(id, McpErrorCodes.MethodNotFound, "Method not found"));
        }
    }

    /// <summary>Notifications: <c>notifications/cancelled</c> is recorded (and stops its request); the rest are
    /// accepted and ignored.</summary>
    public void OnNotification(JsonRpcMessage message, McpSession? session)
    {
        if (message.Method == McpMethod.NotificationsCancelled)
        {
            control.OnCancelled(session?.Id, message.CancelledRequestId.Of(message.Body));
        }
    }

    private ValueTask Read(McpCall call)
    {
        var uri = call.Message.Uri;
        if (uri is null)
        {
            return call.ReplyAsync(McpJson.Error(call.Id, McpErrorCodes.InvalidParams, "'uri' is required"));
        }

        counters.OnResourceRequest(uri);
        if (TryParse(uri, "test://text/", out var n))
        {
            return call.ReplyAsync(McpToolResults.ResourceContents(call.Id, uri, "text/plain",
                "Resource " + n.ToString(CultureInfo.InvariantCulture), default));
        }

        if (TryParse(uri, "test://blob/", out n) && n <= MaxBlobBytes)
        {
            var blob = new byte[n];
            for (var i = 0; i < blob.Length; i++)
            {
                blob[i] = (byte)i;
            }

            return call.ReplyAsync(McpToolResults.ResourceContents(call.Id, uri, "application/octet-stream", null, blob));
        }

        return call.ReplyAsync(McpToolResults.ResourceNotFound(call.Id, uri));
    }

    private ValueTask Subscribe(McpCall call)
    {
        var uri = call.Message.Uri;
        if (uri is null)
        {
            return call.ReplyAsync(McpJson.Error(call.Id, McpErrorCodes.InvalidParams, "'uri' is required"));
        }

        if (call.Session is { } session)
        {
            if (call.Message.Method == McpMethod.ResourcesSubscribe)
            {
                session.Subscriptions[uri] = 0;
            }
            else
            {
                session.Subscriptions.TryRemove(uri, out _);
            }
        }

        // Counted before the reply goes out: a client that saw the reply can wait on the counter without a race.
        control.OnSubscription(call.Message.Method == McpMethod.ResourcesSubscribe);
        return call.ReplyAsync(McpJson.Result(call.Id, McpCatalog.Empty));
    }

    private static bool TryParse(string uri, string prefix, out int n)
    {
        n = 0;
        return uri.StartsWith(prefix, StringComparison.Ordinal)
            && int.TryParse(uri.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out n);
    }
}
