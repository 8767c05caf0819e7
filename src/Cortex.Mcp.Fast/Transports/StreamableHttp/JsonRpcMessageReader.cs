using System.Text.Json;
using System.Text.Unicode;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// Classifies one received JSON document (an SSE <c>data</c> payload or an <c>application/json</c> body) as a
/// JSON-RPC response, server→client request or notification, and records where its parts are. One forward pass
/// with <see cref="Utf8JsonReader"/>; no strings are allocated on the response path.
/// </summary>
/// <remarks>
/// <para>Never throws for bad input: invalid JSON is <see cref="JsonRpcMessageKind.InvalidJson"/>, nesting beyond
/// <see cref="MaxDepth"/> is <see cref="JsonRpcMessageKind.TooDeep"/>, and JSON that is not a JSON-RPC 2.0
/// message is <see cref="JsonRpcMessageKind.NotJsonRpc"/> or <see cref="JsonRpcMessageKind.Malformed"/> (to be
/// ignored: server-everything replays a stored priming payload as <c>{}</c>, MCP-WIRE.md §2.3).</para>
/// <para>Member order is free: servers put <c>result</c> before <c>jsonrpc</c> and <c>id</c> (MCP-WIRE.md §2.1).
/// Duplicate members: the last one wins, as in most JSON parsers.</para>
/// <para>Batches: a top-level array is validated and classified as <see cref="JsonRpcMessageKind.Batch"/>; the
/// caller then reads each element with <see cref="EnumerateBatch"/>. We never send batches (removed in
/// 2025-06-18), but a JSON reply body may still be an array (MCP-WIRE.md §5) and handling it costs little.</para>
/// </remarks>
internal static class JsonRpcMessageReader
{
    /// <summary>
    /// Maximum JSON nesting accepted (the System.Text.Json default, stated here so it cannot drift). A deeper
    /// document is refused as <see cref="JsonRpcMessageKind.TooDeep"/>.
    /// </summary>
    public const int MaxDepth = 64;

    private static readonly JsonReaderOptions s_options = new() { MaxDepth = MaxDepth };

    /// <summary>Reads and classifies one JSON document. Never throws for bad input.</summary>
    public static JsonRpcMessage Read(ReadOnlySpan<byte> json)
    {
        var ranges = default(JsonRpcMessageRanges);
        JsonRpcMessageKind kind;

        // Utf8JsonReader checks UTF-8 inside strings only when they are decoded, and the raw result is handed on
        // undecoded; one vectorised pass here keeps invalid UTF-8 from ever looking like a valid reply.
        if (!Utf8.IsValid(json))
        {
            return new JsonRpcMessage(json, JsonRpcMessageKind.InvalidJson, ranges);
        }

        try
        {
            kind = ReadCore(json, ref ranges);
        }
        catch (JsonException)
        {
            ranges = default;
            kind = ExceedsMaxDepth(json) ? JsonRpcMessageKind.TooDeep : JsonRpcMessageKind.InvalidJson;
        }

        return new JsonRpcMessage(json, kind, ranges);
    }

    /// <summary>
    /// Enumerates the elements of a batch (a document that <see cref="Read"/> classified as
    /// <see cref="JsonRpcMessageKind.Batch"/>); each element is classified on its own.
    /// </summary>
    public static JsonRpcBatchEnumerator EnumerateBatch(ReadOnlySpan<byte> batchJson) => new(batchJson);

    private static JsonRpcMessageKind ReadCore(ReadOnlySpan<byte> json, ref JsonRpcMessageRanges r)
    {
        var reader = new Utf8JsonReader(json, s_options);
        if (!reader.Read())
        {
            return JsonRpcMessageKind.InvalidJson; // empty or whitespace only
        }

        if (reader.TokenType == JsonTokenType.StartArray)
        {
            reader.Skip();
            EnsureEnd(ref reader);
            return JsonRpcMessageKind.Batch;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            EnsureEnd(ref reader);
            return JsonRpcMessageKind.NotJsonRpc;
        }

        bool isJsonRpc2 = false, malformed = false, hasMethod = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("jsonrpc"u8))
            {
                reader.Read();
                isJsonRpc2 = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("2.0"u8);
                reader.Skip();
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                malformed |= !ReadId(ref reader, ref r);
            }
            else if (reader.ValueTextEquals("method"u8))
            {
                reader.Read();
                hasMethod = true;
                if (reader.TokenType == JsonTokenType.String)
                {
                    r.MethodStart = (int)reader.TokenStartIndex;
                    r.MethodLength = reader.ValueSpan.Length + 2;
                    r.Method = McpMethods.Recognize(ref reader);
                }
                else
                {
                    malformed = true;
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("result"u8))
            {
                reader.Read();
                (r.ResultStart, r.ResultLength) = ReadResult(ref reader, ref r);
            }
            else if (reader.ValueTextEquals("params"u8))
            {
                reader.Read();
                (r.ParamsStart, r.ParamsLength) = SkipValue(ref reader);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                malformed |= !ReadError(ref reader, ref r);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        EnsureEnd(ref reader);
        return Classify(isJsonRpc2, malformed, hasMethod, in r);
    }

    private static JsonRpcMessageKind Classify(bool isJsonRpc2, bool malformed, bool hasMethod, in JsonRpcMessageRanges r)
    {
        if (!isJsonRpc2)
        {
            return JsonRpcMessageKind.NotJsonRpc;
        }

        bool hasResult = r.ResultLength > 0, hasError = r.ErrorLength > 0;
        bool hasRealId = r.IdKind is JsonRpcIdKind.Number or JsonRpcIdKind.String;
        if (malformed || (hasResult && hasError))
        {
            return JsonRpcMessageKind.Malformed;
        }

        if (hasMethod)
        {
            // Spec (2025-11-25 basic): requests "MUST include a string or integer ID ... MUST NOT be null";
            // notifications "MUST NOT include an ID".
            return (hasResult || hasError || r.IdKind == JsonRpcIdKind.Null) ? JsonRpcMessageKind.Malformed
                : hasRealId ? JsonRpcMessageKind.Request
                : JsonRpcMessageKind.Notification;
        }

        if (hasResult)
        {
            return hasRealId ? JsonRpcMessageKind.Result : JsonRpcMessageKind.Malformed;
        }

        // Error replies may carry "id": null or no id at all (MCP-WIRE.md §2.4).
        return hasError ? JsonRpcMessageKind.Error : JsonRpcMessageKind.Malformed;
    }

    private static bool ReadId(ref Utf8JsonReader reader, ref JsonRpcMessageRanges r)
    {
        r.IdStart = (int)reader.TokenStartIndex;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                r.IdKind = JsonRpcIdKind.Number;
                r.IdLength = reader.ValueSpan.Length;
                r.IdIsInt64 = reader.TryGetInt64(out r.IdNumber);
                return true;
            case JsonTokenType.String:
                r.IdKind = JsonRpcIdKind.String;
                r.IdLength = reader.ValueSpan.Length + 2;
                r.IdIsInt64 = false;
                return true;
            case JsonTokenType.Null:
                r.IdKind = JsonRpcIdKind.Null;
                r.IdLength = 4;
                return true;
            default:
                reader.Skip();
                return false;
        }
    }

    private static bool ReadError(ref Utf8JsonReader reader, ref JsonRpcMessageRanges r)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        r.ErrorStart = (int)reader.TokenStartIndex;
        var hasCode = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("code"u8))
            {
                reader.Read();
                // Spec: "Error codes MUST be integers."
                hasCode = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out r.ErrorCode);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    r.ErrorMessageStart = (int)reader.TokenStartIndex;
                    r.ErrorMessageLength = reader.ValueSpan.Length + 2;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("data"u8))
            {
                reader.Read();
                (r.ErrorDataStart, r.ErrorDataLength) = SkipValue(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        r.ErrorLength = (int)reader.BytesConsumed - r.ErrorStart;
        return hasCode;
    }

    /// <summary>Skips the value the reader is on and returns where it lay in the input.</summary>
    /// <summary>
    /// Slices <c>result</c> and, when it is an object, notes <c>isError</c> and <c>resultType</c> from its top level on
    /// the way (the same bytes a skip would scan), so a tool reply is read in one pass.
    /// </summary>
    private static (int Start, int Length) ReadResult(ref Utf8JsonReader reader, ref JsonRpcMessageRanges r)
    {
        var start = (int)reader.TokenStartIndex;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return (start, (int)reader.BytesConsumed - start);
        }

        r.ResultIsObject = true;
        McpPayloadReader.ReadToolResultMembers(ref reader, out r.ResultIsError, out r.ResultType);
        return (start, (int)reader.BytesConsumed - start);
    }

    private static (int Start, int Length) SkipValue(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return (start, (int)reader.BytesConsumed - start);
    }

    /// <summary>Only whitespace may follow the value; anything else makes the reader throw.</summary>
    private static void EnsureEnd(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException("Trailing data after the JSON value.");
        }
    }

    /// <summary>
    /// Failure path only: tells a too-deep document from broken JSON by rescanning without the depth limit
    /// (Utf8JsonReader reports both as JsonException). Cost is bounded by the input size.
    /// </summary>
    private static bool ExceedsMaxDepth(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
        try
        {
            while (reader.Read())
            {
                if (reader.CurrentDepth >= MaxDepth)
                {
                    return true;
                }
            }
        }
        catch (JsonException)
        {
            return false;
        }

        return false;
    }
}

/// <summary>Enumerates the elements of a JSON-RPC batch; each <see cref="Current"/> is classified on its own.</summary>
internal ref struct JsonRpcBatchEnumerator
{
    private readonly ReadOnlySpan<byte> _json;
    private Utf8JsonReader _reader;
    private int _start;
    private int _length;
    private bool _done;

    internal JsonRpcBatchEnumerator(ReadOnlySpan<byte> json)
    {
        _json = json;
        _reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = JsonRpcMessageReader.MaxDepth });
        _start = 0;
        _length = 0;
        _done = false;
    }

    /// <summary>The current element, classified.</summary>
    public readonly JsonRpcMessage Current => JsonRpcMessageReader.Read(_json.Slice(_start, _length));

    /// <summary>Enables <c>foreach</c>.</summary>
    public readonly JsonRpcBatchEnumerator GetEnumerator() => this;

    /// <summary>Moves to the next element; false at the end or when the document is not a valid array.</summary>
    public bool MoveNext()
    {
        if (_done)
        {
            return false;
        }

        try
        {
            if (_reader.TokenType == JsonTokenType.None && (!_reader.Read() || _reader.TokenType != JsonTokenType.StartArray))
            {
                _done = true;
                return false;
            }

            if (!_reader.Read() || _reader.TokenType == JsonTokenType.EndArray)
            {
                _done = true;
                return false;
            }

            _start = (int)_reader.TokenStartIndex;
            _reader.Skip();
            _length = (int)_reader.BytesConsumed - _start;
            return true;
        }
        catch (JsonException)
        {
            _done = true;
            return false;
        }
    }
}
