using System.Buffers;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>Notifications that belong to the client features (roots).</summary>
internal sealed partial class JsonRpcRequestWriter
{
    private static readonly JsonEncodedText s_rootsListChanged = JsonEncodedText.Encode("notifications/roots/list_changed");

    /// <summary><c>notifications/roots/list_changed</c>: the server should send <c>roots/list</c> again.</summary>
    // Spec (2025-11-25 roots): "When roots change, clients that support listChanged MUST send a notification".
    public void WriteRootsListChangedNotification(IBufferWriter<byte> output)
    {
        var json = Begin(output);
        json.WriteStartObject();
        json.WriteString(s_jsonrpc, s_version20);
        json.WriteString(s_method, s_rootsListChanged);
        if (_writeRequestMeta)
        {
            json.WriteStartObject(s_params);
            WriteMeta(json, progressToken: null);
            json.WriteEndObject();
        }

        End(json);
    }
}
