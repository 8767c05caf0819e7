using System.Text.Json;
using Cortex.Mcp.Fast.Testing.Rest;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>The JSON-RPC methods the service understands; anything else is <see cref="Other"/>.</summary>
internal enum McpMethod
{
    None,
    Other,
    Initialize,
    Ping,
    ToolsList,
    ToolsCall,
    ResourcesList,
    ResourcesTemplatesList,
    ResourcesRead,
    ResourcesSubscribe,
    ResourcesUnsubscribe,
    LoggingSetLevel,
    NotificationsInitialized,
    NotificationsCancelled,
}

/// <summary>What kind of JSON-RPC message a POST carried.</summary>
internal enum JsonRpcKind
{
    Invalid,
    Batch,
    Request,
    Notification,
    Response,
}

/// <summary>A slice (start, length) of the request body; length 0 means absent.</summary>
internal readonly record struct BodySlice(int Start, int Length)
{
    public bool IsPresent => Length > 0;

    public ReadOnlySpan<byte> Of(ReadOnlyMemory<byte> body) => body.Span.Slice(Start, Length);
}

/// <summary>
/// One JSON-RPC message, read in a single <see cref="Utf8JsonReader"/> pass over the body. Raw values (the id, the
/// tool arguments, the progress token) are slices of the body, written back verbatim: nothing is materialised
/// except the rare strings (an unknown tool's name, a resource URI, a protocol version).
/// </summary>
/// <remarks>Members may come in any order, so <c>params</c> is read the same way for every method.</remarks>
internal struct JsonRpcMessage
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = 64 };

    /// <summary>The methods the service knows, the most frequent first.</summary>
    private static readonly (byte[] Name, McpMethod Value)[] s_methods =
    [
        ("tools/call"u8.ToArray(), McpMethod.ToolsCall),
        ("initialize"u8.ToArray(), McpMethod.Initialize),
        ("notifications/initialized"u8.ToArray(), McpMethod.NotificationsInitialized),
        ("notifications/cancelled"u8.ToArray(), McpMethod.NotificationsCancelled),
        ("ping"u8.ToArray(), McpMethod.Ping),
        ("tools/list"u8.ToArray(), McpMethod.ToolsList),
        ("resources/read"u8.ToArray(), McpMethod.ResourcesRead),
        ("resources/list"u8.ToArray(), McpMethod.ResourcesList),
        ("resources/templates/list"u8.ToArray(), McpMethod.ResourcesTemplatesList),
        ("resources/subscribe"u8.ToArray(), McpMethod.ResourcesSubscribe),
        ("resources/unsubscribe"u8.ToArray(), McpMethod.ResourcesUnsubscribe),
        ("logging/setLevel"u8.ToArray(), McpMethod.LoggingSetLevel),
    ];

    /// <summary>The tools <c>tools/call</c> knows (<c>count</c> is REST only).</summary>
    private static readonly (byte[] Name, ToolKind Value)[] s_tools =
    [
        ("echo"u8.ToArray(), ToolKind.Echo),
        ("add"u8.ToArray(), ToolKind.Add),
        ("sleep"u8.ToArray(), ToolKind.Sleep),
        ("fail"u8.ToArray(), ToolKind.Fail),
        ("flaky"u8.ToArray(), ToolKind.Flaky),
        ("progress"u8.ToArray(), ToolKind.Progress),
    ];

    public ReadOnlyMemory<byte> Body;
    public JsonRpcKind Kind;
    public McpMethod Method;
    public BodySlice Id;
    public ToolKind Tool;
    public string? ToolName;
    public BodySlice Arguments;
    public bool ArgumentsNotObject;
    public BodySlice ProgressToken;
    public string? Uri;
    public BodySlice CancelledRequestId;
    public string? ProtocolVersion;

    public readonly ReadOnlySpan<byte> IdSpan => Id.Of(Body);

    public readonly ReadOnlySpan<byte> ArgumentsSpan => Arguments.IsPresent ? Arguments.Of(Body) : "{}"u8;

    /// <summary>Parses <paramref name="body"/>; <see cref="JsonRpcKind.Invalid"/> when it is not one JSON-RPC 2.0
    /// message. Throws <see cref="JsonException"/> when it is not JSON at all.</summary>
    public static JsonRpcMessage Parse(ReadOnlyMemory<byte> body)
    {
        var message = new JsonRpcMessage { Body = body };
        var reader = new Utf8JsonReader(body.Span, s_options);
        if (!reader.Read())
        {
            throw new JsonException("Empty body.");
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            reader.Skip();
            message.Kind = JsonRpcKind.Batch;
            return message;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            EnsureEnd(ref reader);
            return message;
        }

        bool version = false, idNull = false, hasResult = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("jsonrpc"u8))
            {
                reader.Read();
                version = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("2.0"u8);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                idNull = reader.TokenType == JsonTokenType.Null;
                message.Id = TakeScalar(ref reader);
            }
            else if (reader.ValueTextEquals("method"u8))
            {
                reader.Read();
                message.Method = reader.TokenType == JsonTokenType.String ? ClassifyMethod(ref reader) : McpMethod.None;
            }
            else if (reader.ValueTextEquals("params"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadParams(ref reader, ref message);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("result"u8) || reader.ValueTextEquals("error"u8))
            {
                hasResult = true;
                reader.Read();
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        EnsureEnd(ref reader);
        message.Kind = !version ? JsonRpcKind.Invalid
            : message.Method != McpMethod.None
                ? message.Id.IsPresent ? JsonRpcKind.Request : idNull ? JsonRpcKind.Invalid : JsonRpcKind.Notification
                : hasResult && (message.Id.IsPresent || idNull) ? JsonRpcKind.Response : JsonRpcKind.Invalid;
        return message;
    }

    /// <summary>The text of a raw id or token: a number as written, a string unquoted and unescaped.</summary>
    public static string ScalarText(ReadOnlySpan<byte> raw)
    {
        if (raw.Length > 0 && raw[0] == (byte)'"')
        {
            var reader = new Utf8JsonReader(raw);
            reader.Read();
            return reader.GetString() ?? string.Empty;
        }

        return System.Text.Encoding.UTF8.GetString(raw);
    }

    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException("Trailing data after the message.");
        }
    }

    /// <summary>The raw token of a string or number (quotes included); absent for anything else.</summary>
    private static BodySlice TakeScalar(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                return new BodySlice((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2);
            case JsonTokenType.Number:
                return new BodySlice((int)reader.TokenStartIndex, reader.ValueSpan.Length);
            default:
                reader.Skip();
                return default;
        }
    }

    private static void ReadParams(ref Utf8JsonReader reader, ref JsonRpcMessage message)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    message.Tool = ClassifyTool(ref reader);
                    message.ToolName = message.Tool == ToolKind.Unknown ? reader.GetString() : null;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("arguments"u8))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                var isObject = reader.TokenType == JsonTokenType.StartObject;
                message.ArgumentsNotObject = !isObject && reader.TokenType != JsonTokenType.Null;
                reader.Skip();
                message.Arguments = isObject ? new BodySlice(start, (int)reader.BytesConsumed - start) : default;
            }
            else if (reader.ValueTextEquals("_meta"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isToken = reader.ValueTextEquals("progressToken"u8);
                    reader.Read();
                    if (isToken)
                    {
                        message.ProgressToken = TakeScalar(ref reader);
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else if (reader.ValueTextEquals("uri"u8))
            {
                reader.Read();
                message.Uri = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("requestId"u8))
            {
                reader.Read();
                message.CancelledRequestId = TakeScalar(ref reader);
            }
            else if (reader.ValueTextEquals("protocolVersion"u8))
            {
                reader.Read();
                message.ProtocolVersion = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static McpMethod ClassifyMethod(ref Utf8JsonReader reader) => Classify(ref reader, s_methods, McpMethod.Other);

    private static ToolKind ClassifyTool(ref Utf8JsonReader reader) => Classify(ref reader, s_tools, ToolKind.Unknown);

    /// <summary>The value of the first entry of <paramref name="names"/> whose name equals the current string token
    /// (escaped or not), else <paramref name="otherwise"/>.</summary>
    private static T Classify<T>(ref Utf8JsonReader reader, (byte[] Name, T Value)[] names, T otherwise)
    {
        foreach (var (name, value) in names)
        {
            if (reader.ValueTextEquals(name))
            {
                return value;
            }
        }

        return otherwise;
    }
}
