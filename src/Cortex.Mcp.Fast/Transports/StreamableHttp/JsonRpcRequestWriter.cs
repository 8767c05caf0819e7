using System.Buffers;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// Writes the JSON-RPC messages this client sends into an <see cref="IBufferWriter{T}"/>: requests and
/// notifications here, replies to server→client requests in <c>JsonRpcRequestWriter.Replies.cs</c>.
/// </summary>
/// <remarks>
/// <para>One <see cref="Utf8JsonWriter"/> is reused (<see cref="Utf8JsonWriter.Reset(IBufferWriter{byte})"/>), all
/// property names are pre-encoded and the identity is encoded once, so writing allocates nothing once warm.</para>
/// <para>Not thread-safe: one instance per worker. Each call writes one complete message and flushes it.</para>
/// <para>For a 2026-07-28 <see cref="ProtocolVersion"/> every request carries <c>params._meta</c> with
/// <c>io.modelcontextprotocol/protocolVersion</c>, <c>…/clientInfo</c> and <c>…/clientCapabilities</c>
/// (the revision has no initialize to carry them).</para>
/// </remarks>
internal sealed partial class JsonRpcRequestWriter : IDisposable
{
    private static readonly JsonEncodedText s_jsonrpc = JsonEncodedText.Encode("jsonrpc");
    private static readonly JsonEncodedText s_version20 = JsonEncodedText.Encode("2.0");
    private static readonly JsonEncodedText s_id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText s_method = JsonEncodedText.Encode("method");
    private static readonly JsonEncodedText s_params = JsonEncodedText.Encode("params");
    private static readonly JsonEncodedText s_meta = JsonEncodedText.Encode("_meta");
    private static readonly JsonEncodedText s_progressToken = JsonEncodedText.Encode("progressToken");
    private static readonly JsonEncodedText s_name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText s_version = JsonEncodedText.Encode("version");
    private static readonly JsonEncodedText s_clientTitle = JsonEncodedText.Encode("title");
    private static readonly JsonEncodedText s_arguments = JsonEncodedText.Encode("arguments");
    private static readonly JsonEncodedText s_cursor = JsonEncodedText.Encode("cursor");
    private static readonly JsonEncodedText s_uri = JsonEncodedText.Encode("uri");
    private static readonly JsonEncodedText s_protocolVersion = JsonEncodedText.Encode("protocolVersion");
    private static readonly JsonEncodedText s_capabilities = JsonEncodedText.Encode("capabilities");
    private static readonly JsonEncodedText s_clientInfo = JsonEncodedText.Encode("clientInfo");
    private static readonly JsonEncodedText s_metaProtocolVersion = JsonEncodedText.Encode("io.modelcontextprotocol/protocolVersion");
    private static readonly JsonEncodedText s_metaClientInfo = JsonEncodedText.Encode("io.modelcontextprotocol/clientInfo");
    private static readonly JsonEncodedText s_metaClientCapabilities = JsonEncodedText.Encode("io.modelcontextprotocol/clientCapabilities");

    private static readonly JsonEncodedText s_initialize = JsonEncodedText.Encode("initialize");
    private static readonly JsonEncodedText s_initialized = JsonEncodedText.Encode("notifications/initialized");
    private static readonly JsonEncodedText s_toolsCall = JsonEncodedText.Encode("tools/call");
    private static readonly JsonEncodedText s_toolsList = JsonEncodedText.Encode("tools/list");
    private static readonly JsonEncodedText s_resourcesRead = JsonEncodedText.Encode("resources/read");
    private static readonly JsonEncodedText s_resourcesSubscribe = JsonEncodedText.Encode("resources/subscribe");
    private static readonly JsonEncodedText s_resourcesUnsubscribe = JsonEncodedText.Encode("resources/unsubscribe");
    private static readonly JsonEncodedText s_ping = JsonEncodedText.Encode("ping");

    /// <summary>The client identity written into initialize (or every request's _meta in 2026-07-28).</summary>
    private readonly McpClientIdentity _identity;

    /// <summary>Reused across messages; created on first use because it needs an output to bind to.</summary>
    private Utf8JsonWriter? _json;

    /// <summary>Pre-encoded <see cref="ProtocolVersion"/>.</summary>
    private JsonEncodedText _encodedVersion;

    /// <summary>True when <see cref="ProtocolVersion"/> is a 2026-07-28-style revision.</summary>
    private bool _writeRequestMeta;

    /// <summary>Creates a writer for one identity and protocol revision.</summary>
    public JsonRpcRequestWriter(McpClientIdentity identity, string protocolVersion)
    {
        ArgumentNullException.ThrowIfNull(identity);
        _identity = identity;
        ProtocolVersion = protocolVersion;
    }

    /// <summary>
    /// The negotiated revision. Decides whether requests carry the 2026-07-28 <c>_meta</c> block; may change after
    /// a version negotiation.
    /// </summary>
    public string ProtocolVersion
    {
        get;
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(value);
            field = value;
            _encodedVersion = JsonEncodedText.Encode(value);
            _writeRequestMeta = McpProtocolVersions.UsesRequestMetadataHeaders(value);
        }
    }

    /// <summary>
    /// <c>initialize</c> proposing <paramref name="protocolVersion"/> (handshake revisions only), with our
    /// capabilities and clientInfo.
    /// </summary>
    public void WriteInitialize(IBufferWriter<byte> output, long id, string protocolVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(protocolVersion);
        var json = Begin(output);
        WriteRequestHeader(json, id, s_initialize);
        json.WriteStartObject(s_params);
        json.WriteString(s_protocolVersion, protocolVersion);
        json.WritePropertyName(s_capabilities);
        json.WriteRawValue(_identity.CapabilitiesJson, skipInputValidation: true);
        json.WritePropertyName(s_clientInfo);
        WriteClientInfo(json);
        json.WriteEndObject();
        End(json);
    }

    /// <summary><c>notifications/initialized</c>, sent once after a successful initialize.</summary>
    public void WriteInitializedNotification(IBufferWriter<byte> output)
    {
        var json = Begin(output);
        json.WriteStartObject();
        json.WriteString(s_jsonrpc, s_version20);
        json.WriteString(s_method, s_initialized);
        End(json);
    }

    /// <summary>
    /// <c>tools/call</c>. <paramref name="argumentsJson"/> is a pre-serialised UTF-8 JSON object written as it is
    /// (empty means <c>{}</c>); it is checked to be one well-formed object first, so a bad blob can never produce
    /// a broken or injected request. A <paramref name="progressToken"/> asks the server for progress notifications.
    /// </summary>
    /// <exception cref="ArgumentException">The arguments are not one JSON object.</exception>
    public void WriteToolsCall(IBufferWriter<byte> output, long id, string toolName, ReadOnlySpan<byte> argumentsJson, long? progressToken = null, in ToolCallMeta meta = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(toolName);
        ValidateArgumentsObject(argumentsJson);
        var json = Begin(output);
        WriteRequestHeader(json, id, s_toolsCall);
        json.WriteStartObject(s_params);
        json.WriteString(s_name, toolName);
        json.WritePropertyName(s_arguments);
        if (argumentsJson.IsEmpty)
        {
            json.WriteStartObject();
            json.WriteEndObject();
        }
        else
        {
            json.WriteRawValue(argumentsJson, skipInputValidation: true);
        }

        WriteMeta(json, progressToken, meta);
        json.WriteEndObject();
        End(json);
    }

    /// <summary><c>tools/list</c>, optionally continuing from <paramref name="cursor"/>.</summary>
    public void WriteToolsList(IBufferWriter<byte> output, long id, string? cursor = null)
    {
        var json = Begin(output);
        WriteRequestHeader(json, id, s_toolsList);
        json.WriteStartObject(s_params);
        if (cursor is not null)
        {
            json.WriteString(s_cursor, cursor);
        }

        WriteMeta(json, progressToken: null);
        json.WriteEndObject();
        End(json);
    }

    /// <summary><c>resources/read</c> of <paramref name="uri"/>.</summary>
    public void WriteResourcesRead(IBufferWriter<byte> output, long id, string uri) => WriteUriRequest(output, id, s_resourcesRead, uri);

    /// <summary><c>resources/subscribe</c> to <paramref name="uri"/> (updates arrive as notifications).</summary>
    public void WriteResourcesSubscribe(IBufferWriter<byte> output, long id, string uri) => WriteUriRequest(output, id, s_resourcesSubscribe, uri);

    /// <summary><c>resources/unsubscribe</c> from <paramref name="uri"/>.</summary>
    public void WriteResourcesUnsubscribe(IBufferWriter<byte> output, long id, string uri) => WriteUriRequest(output, id, s_resourcesUnsubscribe, uri);

    /// <summary>A client→server <c>ping</c> (liveness probe).</summary>
    public void WritePing(IBufferWriter<byte> output, long id)
    {
        var json = Begin(output);
        WriteRequestHeader(json, id, s_ping);
        if (_writeRequestMeta)
        {
            json.WriteStartObject(s_params);
            WriteMeta(json, progressToken: null);
            json.WriteEndObject();
        }

        End(json);
    }

    /// <inheritdoc/>
    public void Dispose() => _json?.Dispose();

    private void WriteUriRequest(IBufferWriter<byte> output, long id, JsonEncodedText method, string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        var json = Begin(output);
        WriteRequestHeader(json, id, method);
        json.WriteStartObject(s_params);
        json.WriteString(s_uri, uri);
        WriteMeta(json, progressToken: null);
        json.WriteEndObject();
        End(json);
    }

    /// <summary>Opens the message object and writes jsonrpc, id and method.</summary>
    private static void WriteRequestHeader(Utf8JsonWriter json, long id, JsonEncodedText method)
    {
        json.WriteStartObject();
        json.WriteString(s_jsonrpc, s_version20);
        json.WriteNumber(s_id, id);
        json.WriteString(s_method, method);
    }

    /// <summary>Writes <c>_meta</c> when there is anything to put in it: a progress token and/or 2026-07-28 metadata.</summary>
    private void WriteMeta(Utf8JsonWriter json, long? progressToken, in ToolCallMeta extra = default)
    {
        if (progressToken is null && !_writeRequestMeta && extra.IsEmpty)
        {
            return;
        }

        json.WriteStartObject(s_meta);
        if (extra.Members.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            foreach (var member in extra.Members.EnumerateObject())
            {
                member.WriteTo(json);
            }
        }

        if (extra.TraceParent is { } traceParent)
        {
            // SEP-414: the W3C trace context travels in params._meta as traceparent / tracestate.
            json.WriteString(s_traceparent, traceParent);
            if (extra.TraceState is { } traceState)
            {
                json.WriteString(s_tracestate, traceState);
            }
        }

        if (progressToken is { } token)
        {
            json.WriteNumber(s_progressToken, token);
        }

        WriteRevisionMeta(json);
        json.WriteEndObject();
    }

    /// <summary>The 2026-07-28 members of <c>_meta</c> (protocol version, client info, capabilities), when this
    /// session's revision carries them in every request.</summary>
    private void WriteRevisionMeta(Utf8JsonWriter json)
    {
        if (!_writeRequestMeta)
        {
            return;
        }

        // Spec (2026-07-28 transports): the MCP-Protocol-Version header "MUST match the
        // io.modelcontextprotocol/protocolVersion field carried in the request body's _meta".
        json.WriteString(s_metaProtocolVersion, _encodedVersion);
        json.WritePropertyName(s_metaClientInfo);
        WriteClientInfo(json);
        json.WritePropertyName(s_metaClientCapabilities);
        json.WriteRawValue(_identity.CapabilitiesJson, skipInputValidation: true);
    }

    private void WriteClientInfo(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString(s_name, _identity.EncodedName);
        json.WriteString(s_version, _identity.EncodedVersion);
        if (_identity.EncodedTitle is { } title)
        {
            // Spec (2025-06-18 lifecycle): Implementation has an optional "title", "intended for UI and end-user contexts".
            json.WriteString(s_clientTitle, title);
        }

        json.WriteEndObject();
    }

    private Utf8JsonWriter Begin(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (_json is null)
        {
            _json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = false });
        }
        else
        {
            _json.Reset(output);
        }

        return _json;
    }

    private static void End(Utf8JsonWriter json)
    {
        json.WriteEndObject();
        json.Flush();
    }

    /// <summary>Checks that <paramref name="argumentsJson"/> is exactly one JSON object (or empty), within the depth limit.</summary>
    private static void ValidateArgumentsObject(ReadOnlySpan<byte> argumentsJson)
    {
        if (argumentsJson.IsEmpty)
        {
            return;
        }

        try
        {
            var reader = new Utf8JsonReader(argumentsJson, new JsonReaderOptions { MaxDepth = JsonRpcMessageReader.MaxDepth });
            if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
            {
                reader.Skip();
                if (!reader.Read())
                {
                    return;
                }
            }
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("Tool arguments must be one well-formed JSON object.", nameof(argumentsJson), ex);
        }

        throw new ArgumentException("Tool arguments must be one well-formed JSON object.", nameof(argumentsJson));
    }
}
