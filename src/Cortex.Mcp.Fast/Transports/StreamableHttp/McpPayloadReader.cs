using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>The 2026-07-28 <c>result.resultType</c>.</summary>
internal enum McpResultType : byte
{
    /// <summary><c>"complete"</c>, or absent (every earlier revision).</summary>
    Complete,

    /// <summary><c>"input_required"</c>: a multi round-trip request (MRTR) wants client input.</summary>
    InputRequired,

    /// <summary>Any other value.</summary>
    // Spec (2026-07-28 basic): "A resultType of any value unrecognized by the client MUST be considered invalid."
    Unrecognized,
}

/// <summary>What the client needs from a <c>tools/call</c> result; the caller keeps the raw result bytes.</summary>
internal readonly record struct ToolCallResultInfo(bool IsError, McpResultType ResultType);

/// <summary>A <c>notifications/progress</c>. The token is a number or string, like an id.</summary>
internal readonly record struct ProgressNotification(JsonRpcId ProgressToken, double Progress, double? Total, string? Message);

/// <summary>
/// Reads the few members the transport acts on out of a raw <c>result</c> or <c>params</c> (as sliced by
/// <see cref="JsonRpcMessageReader"/>). Unknown members are skipped; malformed input gives false, never an exception.
/// </summary>
internal static class McpPayloadReader
{
    private static readonly JsonReaderOptions s_options = new() { MaxDepth = JsonRpcMessageReader.MaxDepth };

    /// <summary>
    /// Reads <c>isError</c> and <c>resultType</c> from a <c>tools/call</c> result without allocating. A result
    /// with <c>isError: true</c> is a tool failure, not a transport failure (DESIGN.md §4.2).
    /// </summary>
    public static bool TryReadToolCallResult(ReadOnlySpan<byte> result, out ToolCallResultInfo info)
    {
        info = default;
        bool isError = false;
        var resultType = McpResultType.Complete;
        try
        {
            var reader = new Utf8JsonReader(result, s_options);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            ReadToolResultMembers(ref reader, out isError, out resultType);
        }
        catch (JsonException)
        {
            return false;
        }

        info = new ToolCallResultInfo(isError, resultType);
        return true;
    }

    /// <summary>
    /// Reads the members of a <c>tools/call</c> result object after its <c>{</c>: <c>isError</c> and
    /// <c>resultType</c>, skipping everything else, up to its <c>}</c>. Shared by this reader and by the reply reader,
    /// which calls it while it slices the result (one pass over a reply).
    /// </summary>
    internal static void ReadToolResultMembers(ref Utf8JsonReader reader, out bool isError, out McpResultType resultType)
    {
        isError = false;
        resultType = McpResultType.Complete;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("isError"u8))
            {
                reader.Read();
                // Spec (2025-11-25 tools): isError is a boolean; anything else is treated as absent (false).
                isError = reader.TokenType == JsonTokenType.True;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("resultType"u8))
            {
                reader.Read();
                resultType = reader.TokenType != JsonTokenType.String ? McpResultType.Unrecognized
                    : reader.ValueTextEquals("complete"u8) ? McpResultType.Complete
                    : reader.ValueTextEquals("input_required"u8) ? McpResultType.InputRequired
                    : McpResultType.Unrecognized;
                reader.Skip();
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    /// <summary>
    /// Reads <c>notifications/progress</c> params: <c>progressToken</c> and <c>progress</c> are required,
    /// <c>total</c> and <c>message</c> optional. Allocates only for string tokens and messages.
    /// </summary>
    public static bool TryReadProgress(ReadOnlySpan<byte> @params, out ProgressNotification progress)
    {
        progress = default;
        JsonRpcId token = default;
        double? value = null, total = null;
        string? message = null;
        try
        {
            var reader = new Utf8JsonReader(@params, s_options);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("progressToken"u8))
                {
                    reader.Read();
                    token = reader.TokenType switch
                    {
                        JsonTokenType.Number when reader.TryGetInt64(out var n) => JsonRpcId.FromNumber(n),
                        JsonTokenType.String => JsonRpcId.FromString(reader.GetString()!),
                        _ => default,
                    };
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("progress"u8))
                {
                    reader.Read();
                    value = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("total"u8))
                {
                    reader.Read();
                    total = reader.TokenType == JsonTokenType.Number ? reader.GetDouble() : null;
                    reader.Skip();
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    message = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        if (token.Kind == JsonRpcIdKind.None || value is null)
        {
            return false;
        }

        progress = new ProgressNotification(token, value.Value, total, message);
        return true;
    }

    /// <summary>Reads the <c>uri</c> of <c>notifications/resources/updated</c> params.</summary>
    public static bool TryReadResourceUpdated(ReadOnlySpan<byte> @params, out string? uri) =>
        TryReadStringMember(@params, "uri"u8, out uri);

    /// <summary>
    /// Reads the <c>protocolVersion</c> of an <c>initialize</c> result, mapped onto a known constant; false when
    /// absent or not a revision we know.
    /// </summary>
    public static bool TryReadInitializeProtocolVersion(ReadOnlySpan<byte> result, out string? version)
    {
        version = null;
        try
        {
            var reader = new Utf8JsonReader(result, s_options);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueTextEquals("protocolVersion"u8);
                reader.Read();
                if (match && reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped)
                {
                    return McpProtocolVersions.TryGetKnown(reader.ValueSpan, out version);
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            version = null;
        }

        return false;
    }

    private static bool TryReadStringMember(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name, out string? value)
    {
        value = null;
        try
        {
            var reader = new Utf8JsonReader(json, s_options);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var match = reader.ValueTextEquals(name);
                reader.Read();
                if (match && reader.TokenType == JsonTokenType.String)
                {
                    value = reader.GetString();
                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            value = null;
        }

        return false;
    }
}
