using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>How one received JSON document was classified.</summary>
internal enum JsonRpcMessageKind : byte
{
    /// <summary>Not valid JSON (or trailing bytes after the value). The transport maps this to a protocol error.</summary>
    InvalidJson,

    /// <summary>Nested deeper than <see cref="JsonRpcMessageReader.MaxDepth"/>: refused before it costs memory.</summary>
    TooDeep,

    /// <summary>Valid JSON, but not a JSON-RPC 2.0 message (no <c>"jsonrpc":"2.0"</c>, or not an object). Ignored.</summary>
    NotJsonRpc,

    /// <summary>Says it is JSON-RPC 2.0 but breaks the message shape (for example both result and error). Ignored.</summary>
    Malformed,

    /// <summary>A JSON array; enumerate its elements with <see cref="JsonRpcMessageReader.EnumerateBatch"/>.</summary>
    Batch,

    /// <summary>A response with <c>result</c>.</summary>
    Result,

    /// <summary>A response with <c>error</c>; its id may be absent or null (HTTP error bodies).</summary>
    Error,

    /// <summary>A server→client request: <c>method</c> and an id (number or string; 0 is valid).</summary>
    Request,

    /// <summary>A notification: <c>method</c> and no id.</summary>
    Notification,
}

/// <summary>
/// One classified JSON-RPC message: views into the bytes it was read from, no strings allocated unless asked for.
/// Produced by <see cref="JsonRpcMessageReader.Read"/>; valid only while those bytes are.
/// </summary>
internal readonly ref struct JsonRpcMessage
{
    private readonly ReadOnlySpan<byte> _source;
    private readonly JsonRpcMessageRanges _r;

    internal JsonRpcMessage(ReadOnlySpan<byte> source, JsonRpcMessageKind kind, JsonRpcMessageRanges ranges)
    {
        _source = source;
        Kind = kind;
        _r = ranges;
    }

    /// <summary>The classification.</summary>
    public JsonRpcMessageKind Kind { get; }

    /// <summary>True for <see cref="JsonRpcMessageKind.Result"/> and <see cref="JsonRpcMessageKind.Error"/>.</summary>
    public bool IsResponse => Kind is JsonRpcMessageKind.Result or JsonRpcMessageKind.Error;

    /// <summary>Which form the id took (None when absent).</summary>
    public JsonRpcIdKind IdKind => _r.IdKind;

    /// <summary>The id token exactly as received (a string keeps its quotes and escapes); empty when absent.</summary>
    public ReadOnlySpan<byte> RawId => Slice(_r.IdStart, _r.IdLength);

    /// <summary>The recognised method; <see cref="McpMethod.None"/> for responses.</summary>
    public McpMethod Method => _r.Method;

    /// <summary>The method name token's contents as received (escaped form, no quotes); empty for responses.</summary>
    public ReadOnlySpan<byte> RawMethod => Slice(_r.MethodStart + 1, Math.Max(0, _r.MethodLength - 2));

    /// <summary>Raw JSON of <c>result</c> (usually an object); empty when absent.</summary>
    public ReadOnlySpan<byte> Result => Slice(_r.ResultStart, _r.ResultLength);

    /// <summary>True when <see cref="Result"/> is a JSON object.</summary>
    public bool ResultIsObject => _r.ResultIsObject;

    /// <summary>What a <c>tools/call</c> result says about itself (<c>isError</c>, <c>resultType</c>), read in the
    /// same pass that found the result: the reply is scanned once.</summary>
    public ToolCallResultInfo ResultInfo => new(_r.ResultIsError, _r.ResultType);

    /// <summary>Raw JSON of <c>params</c>; empty when absent.</summary>
    public ReadOnlySpan<byte> Params => Slice(_r.ParamsStart, _r.ParamsLength);

    /// <summary>Raw JSON of the whole <c>error</c> object; empty when absent.</summary>
    public ReadOnlySpan<byte> Error => Slice(_r.ErrorStart, _r.ErrorLength);

    /// <summary><c>error.code</c> (only meaningful when <see cref="Kind"/> is Error).</summary>
    public long ErrorCode => _r.ErrorCode;

    /// <summary>The meaning of <see cref="ErrorCode"/> for this client.</summary>
    public McpErrorKind ErrorKind => JsonRpcErrorCodes.Classify(_r.ErrorCode);

    /// <summary>Raw JSON of <c>error.data</c>; empty when absent.</summary>
    public ReadOnlySpan<byte> ErrorData => Slice(_r.ErrorDataStart, _r.ErrorDataLength);

    /// <summary>True when the id is an integral number that fits a long (all of our own ids).</summary>
    public bool TryGetNumericId(out long id)
    {
        id = _r.IdNumber;
        return _r.IdKind == JsonRpcIdKind.Number && _r.IdIsInt64;
    }

    /// <summary>The id as a value that can outlive the buffer (allocates only for string or odd numeric ids).</summary>
    public JsonRpcId GetId() => _r.IdKind switch
    {
        JsonRpcIdKind.Number when _r.IdIsInt64 => JsonRpcId.FromNumber(_r.IdNumber),
        JsonRpcIdKind.Number => JsonRpcId.FromRawNumber(System.Text.Encoding.UTF8.GetString(RawId)),
        JsonRpcIdKind.String => JsonRpcId.FromString(DecodeString(RawId) ?? string.Empty),
        _ => default,
    };

    /// <summary>The method name (allocates; for logs and unknown methods).</summary>
    public string? GetMethodName() => DecodeString(Slice(_r.MethodStart, _r.MethodLength));

    /// <summary><c>error.message</c> (allocates; error path only). Null when absent.</summary>
    public string? GetErrorMessage() => DecodeString(Slice(_r.ErrorMessageStart, _r.ErrorMessageLength));

    private ReadOnlySpan<byte> Slice(int start, int length) =>
        length <= 0 ? ReadOnlySpan<byte>.Empty : _source.Slice(start, length);

    /// <summary>Unescapes a raw JSON string token (with its quotes); null when there is none.</summary>
    internal static string? DecodeString(ReadOnlySpan<byte> rawStringToken)
    {
        if (rawStringToken.IsEmpty)
        {
            return null;
        }

        var reader = new Utf8JsonReader(rawStringToken);
        return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
    }
}

/// <summary>Offsets found while reading a message; internal plumbing of <see cref="JsonRpcMessage"/>.</summary>
internal struct JsonRpcMessageRanges
{
    /// <summary>True when <c>result</c> is a JSON object (its top level was read in the same pass).</summary>
    public bool ResultIsObject;

    /// <summary><c>result.isError</c> was <c>true</c>.</summary>
    public bool ResultIsError;

    /// <summary><c>result.resultType</c>.</summary>
    public McpResultType ResultType;

    /// <summary>Form of the id.</summary>
    public JsonRpcIdKind IdKind;

    /// <summary>True when a numeric id fits <see cref="IdNumber"/> exactly.</summary>
    public bool IdIsInt64;

    /// <summary>The numeric id.</summary>
    public long IdNumber;

    /// <summary>Start of the raw id token.</summary>
    public int IdStart;

    /// <summary>Length of the raw id token.</summary>
    public int IdLength;

    /// <summary>Recognised method.</summary>
    public McpMethod Method;

    /// <summary>Start of the method string token (at its opening quote).</summary>
    public int MethodStart;

    /// <summary>Length of the method string token, quotes included.</summary>
    public int MethodLength;

    /// <summary>Start of the result value.</summary>
    public int ResultStart;

    /// <summary>Length of the result value (0 when absent).</summary>
    public int ResultLength;

    /// <summary>Start of the params value.</summary>
    public int ParamsStart;

    /// <summary>Length of the params value (0 when absent).</summary>
    public int ParamsLength;

    /// <summary>Start of the error object.</summary>
    public int ErrorStart;

    /// <summary>Length of the error object (0 when absent).</summary>
    public int ErrorLength;

    /// <summary>error.code.</summary>
    public long ErrorCode;

    /// <summary>Start of the error.message string token (at its opening quote).</summary>
    public int ErrorMessageStart;

    /// <summary>Length of the error.message token, quotes included (0 when absent).</summary>
    public int ErrorMessageLength;

    /// <summary>Start of the error.data value.</summary>
    public int ErrorDataStart;

    /// <summary>Length of the error.data value (0 when absent).</summary>
    public int ErrorDataLength;
}
