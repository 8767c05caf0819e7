using System.Buffers;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>Notifications about our own requests, and replies to server→client requests.</summary>
internal sealed partial class JsonRpcRequestWriter
{
    private static readonly JsonEncodedText s_cancelled = JsonEncodedText.Encode("notifications/cancelled");
    private static readonly JsonEncodedText s_requestId = JsonEncodedText.Encode("requestId");
    private static readonly JsonEncodedText s_reason = JsonEncodedText.Encode("reason");
    private static readonly JsonEncodedText s_result = JsonEncodedText.Encode("result");
    private static readonly JsonEncodedText s_error = JsonEncodedText.Encode("error");
    private static readonly JsonEncodedText s_code = JsonEncodedText.Encode("code");
    private static readonly JsonEncodedText s_message = JsonEncodedText.Encode("message");
    private static readonly JsonEncodedText s_methodNotFound = JsonEncodedText.Encode("Method not found");

    /// <summary>
    /// <c>notifications/cancelled</c> for one of our in-flight requests. The caller must also abort that request's
    /// stream: servers keep it open after the notice (MCP-WIRE.md §2.5).
    /// </summary>
    // Spec (2025-11-25 cancellation): params are "requestId" (the ID of the request to cancel) and an optional "reason".
    public void WriteCancelledNotification(IBufferWriter<byte> output, long requestId, string? reason = null)
    {
        var json = Begin(output);
        json.WriteStartObject();
        json.WriteString(s_jsonrpc, s_version20);
        json.WriteString(s_method, s_cancelled);
        json.WriteStartObject(s_params);
        json.WriteNumber(s_requestId, requestId);
        if (reason is not null)
        {
            json.WriteString(s_reason, reason);
        }

        json.WriteEndObject();
        End(json);
    }

    /// <summary>The empty result that answers a server's <c>ping</c>, echoing its id.</summary>
    // Spec (2025-11-25 ping): "The receiver MUST respond promptly with an empty response".
    public void WritePingResult(IBufferWriter<byte> output, in JsonRpcId id)
    {
        var json = BeginReply(output);
        WriteId(json, id);
        WriteEmptyResult(json);
    }

    /// <summary>
    /// As <see cref="WritePingResult(IBufferWriter{byte}, in JsonRpcId)"/>, echoing the raw id token of a
    /// message just read (<see cref="JsonRpcMessage.RawId"/>): byte-for-byte the server's id, no allocation.
    /// </summary>
    public void WritePingResult(IBufferWriter<byte> output, ReadOnlySpan<byte> rawId)
    {
        var json = BeginReply(output);
        WriteRawId(json, rawId);
        WriteEmptyResult(json);
    }

    /// <summary>The -32601 error for a server→client request we do not serve (no capability declared for it).</summary>
    public void WriteMethodNotFound(IBufferWriter<byte> output, in JsonRpcId id) =>
        WriteErrorResponse(output, id, JsonRpcErrorCodes.MethodNotFound, s_methodNotFound);

    /// <summary>As <see cref="WriteMethodNotFound(IBufferWriter{byte}, in JsonRpcId)"/>, echoing a raw id token.</summary>
    public void WriteMethodNotFound(IBufferWriter<byte> output, ReadOnlySpan<byte> rawId)
    {
        var json = BeginReply(output);
        WriteRawId(json, rawId);
        WriteErrorBody(json, JsonRpcErrorCodes.MethodNotFound, s_methodNotFound);
    }

    /// <summary>A result reply to a server→client request: <paramref name="resultJson"/> (one JSON value, validated) under the raw id.</summary>
    public void WriteResult(IBufferWriter<byte> output, ReadOnlySpan<byte> rawId, ReadOnlySpan<byte> resultJson)
    {
        var json = BeginReply(output);
        WriteRawId(json, rawId);
        json.WritePropertyName(s_result);
        json.WriteRawValue(resultJson, skipInputValidation: false);
        End(json);
    }

    /// <summary>An error reply to a server→client request, echoing its raw id token.</summary>
    public void WriteErrorResponse(IBufferWriter<byte> output, ReadOnlySpan<byte> rawId, int code, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var json = BeginReply(output);
        WriteRawId(json, rawId);
        WriteErrorBody(json, code, JsonEncodedText.Encode(message));
    }

    /// <summary>A JSON-RPC error reply to a server→client request.</summary>
    public void WriteErrorResponse(IBufferWriter<byte> output, in JsonRpcId id, int code, string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        WriteErrorResponse(output, id, code, JsonEncodedText.Encode(message));
    }

    private void WriteErrorResponse(IBufferWriter<byte> output, in JsonRpcId id, int code, JsonEncodedText message)
    {
        var json = BeginReply(output);
        WriteId(json, id);
        WriteErrorBody(json, code, message);
    }

    private Utf8JsonWriter BeginReply(IBufferWriter<byte> output)
    {
        var json = Begin(output);
        json.WriteStartObject();
        json.WriteString(s_jsonrpc, s_version20);
        return json;
    }

    private static void WriteId(Utf8JsonWriter json, in JsonRpcId id)
    {
        if (id.Kind is not (JsonRpcIdKind.Number or JsonRpcIdKind.String))
        {
            throw new ArgumentException("A reply needs the request's number or string id.", nameof(id));
        }

        json.WritePropertyName(s_id);
        id.WriteValueTo(json);
    }

    private static void WriteRawId(Utf8JsonWriter json, ReadOnlySpan<byte> rawId)
    {
        if (rawId.IsEmpty)
        {
            throw new ArgumentException("A reply needs the request's id.", nameof(rawId));
        }

        json.WritePropertyName(s_id);
        // Validated: the raw id usually comes from a document the reader accepted, but this is a public seam.
        json.WriteRawValue(rawId, skipInputValidation: false);
    }

    private static void WriteEmptyResult(Utf8JsonWriter json)
    {
        json.WriteStartObject(s_result);
        json.WriteEndObject();
        End(json);
    }

    private static void WriteErrorBody(Utf8JsonWriter json, int code, JsonEncodedText message)
    {
        json.WriteStartObject(s_error);
        json.WriteNumber(s_code, code);
        json.WriteString(s_message, message);
        json.WriteEndObject();
        End(json);
    }
}
