using System.Buffers;
using System.Text.Json;
using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>What one request expects from its reply: a tool result (isError checked) or any result.</summary>
internal enum McpReplyKind : byte
{
    /// <summary><c>tools/call</c>: a result with <c>isError: true</c> becomes a <see cref="ToolErrorException"/>.</summary>
    ToolCall,

    /// <summary>Any other request: the raw result is kept.</summary>
    Plain,
}

/// <summary>A server→client request read from a stream, copied out of the stream's buffers so it can be answered later.</summary>
internal readonly record struct ServerRequest(McpMethod Method, string MethodName, byte[] RawId, byte[] Params);

/// <summary>
/// One request of ours in flight: its id, its progress token and receiver, and — once the reply is routed to it —
/// the result (copied into a pooled buffer) or the typed error. Also the stream cursor needed to resume it.
/// </summary>
/// <remarks>Owned by one call; not thread-safe. <see cref="Dispose"/> returns whatever pooled memory it still owns.</remarks>
internal sealed class McpExchange : IDisposable
{
    private byte[]? _lastEventId;
    private int _lastEventIdLength;

    public McpExchange(string service, string tool, long id, McpReplyKind kind, IProgress<McpProgress>? progress = null)
    {
        Service = service;
        Tool = tool;
        Id = id;
        Kind = kind;
        Progress = progress;
    }

    public string Service { get; }

    /// <summary>The tool, resource URI or method, for error messages.</summary>
    public string Tool { get; }

    /// <summary>Our JSON-RPC id (unique per session); also the progress token when <see cref="Progress"/> is set.</summary>
    public long Id { get; }

    public McpReplyKind Kind { get; }

    public IProgress<McpProgress>? Progress { get; }

    /// <summary>True once our response (result or error) arrived; later responses with our id are ignored.</summary>
    public bool Completed { get; private set; }

    /// <summary>The result bytes (pooled) when completed with a result.</summary>
    public byte[]? ResultBuffer { get; private set; }

    public int ResultLength { get; private set; }

    /// <summary>The typed error when completed with one.</summary>
    public ServiceCallException? Error { get; private set; }

    /// <summary>The last SSE event id seen on this request's streams (for <c>Last-Event-ID</c>); empty when none.</summary>
    public ReadOnlySpan<byte> LastEventId => _lastEventId.AsSpan(0, _lastEventIdLength);

    /// <summary>The server's last <c>retry</c> value, when it sent one.</summary>
    public TimeSpan? ReconnectionInterval { get; set; }

    /// <summary>True to keep the <c>Mcp-Session-Id</c> response header (initialize only).</summary>
    public bool CaptureSessionId { get; init; }

    /// <summary>The <c>Mcp-Session-Id</c> response header when <see cref="CaptureSessionId"/>; null when absent.</summary>
    public string? SessionIdHeader { get; set; }

    /// <summary>Progress notifications reported so far (diagnostics and tests).</summary>
    public int ProgressReports { get; private set; }

    /// <summary>Takes the result buffer out (the caller now owns it).</summary>
    public (byte[] Buffer, int Length) TakeResult()
    {
        var buffer = ResultBuffer ?? throw new InvalidOperationException("No result.");
        ResultBuffer = null;
        return (buffer, ResultLength);
    }

    /// <summary>Remembers the stream cursor, reusing one small buffer (no allocation per event once grown).</summary>
    public void SetLastEventId(ReadOnlySpan<byte> id)
    {
        if (id.SequenceEqual(LastEventId))
        {
            return;
        }

        if (_lastEventId is null || _lastEventId.Length < id.Length)
        {
            if (_lastEventId is not null)
            {
                ArrayPool<byte>.Shared.Return(_lastEventId);
            }

            _lastEventId = ArrayPool<byte>.Shared.Rent(Math.Max(64, id.Length));
        }

        id.CopyTo(_lastEventId);
        _lastEventIdLength = id.Length;
    }

    public void CompleteWithResult(ReadOnlySpan<byte> result)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, result.Length));
        result.CopyTo(buffer);
        ResultBuffer = buffer;
        ResultLength = result.Length;
        Completed = true;
    }

    public void CompleteWithError(ServiceCallException error)
    {
        Error = error;
        Completed = true;
    }

    public void ReportProgress(in ProgressNotification notification)
    {
        ProgressReports++;
        Progress?.Report(new McpProgress(notification.Progress, notification.Total, notification.Message));
    }

    public void Dispose()
    {
        if (ResultBuffer is { } buffer)
        {
            ResultBuffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }

        if (_lastEventId is { } id)
        {
            _lastEventId = null;
            _lastEventIdLength = 0;
            ArrayPool<byte>.Shared.Return(id);
        }
    }

    /// <summary>The message of a tool error: the text of its first text content, bounded.</summary>
    internal static (string Message, string? ContentJson) DescribeToolError(string service, string tool, ReadOnlySpan<byte> result)
    {
        string? text = null, content = null;
        try
        {
            var reader = new Utf8JsonReader(result, new JsonReaderOptions { MaxDepth = JsonRpcMessageReader.MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.TryGetProperty("content"u8, out var items) && items.ValueKind == JsonValueKind.Array)
            {
                content = items.GetRawText();
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
            // The router already checked the result; a failure here only loses the detail.
        }

        if (text is { Length: > 512 })
        {
            text = text[..512] + "…";
        }

        return ($"Tool '{tool}' of service '{service}' reported an error: {text ?? "(no text)"}", content);
    }

    /// <summary>Maps a JSON-RPC error object received for our request onto a typed exception.</summary>
    internal static ServiceCallException FromJsonRpcError(string service, string tool, long code, string? message, int httpStatus)
    {
        var text = message is { Length: > 512 } ? message[..512] + "…" : message ?? "(no message)";
        var kind = code == JsonRpcErrorCodes.InternalError ? FailureKind.Other : FailureKind.HttpStatus;
        return new McpErrorException(service, tool, code, $"Service '{service}' answered '{tool}' with JSON-RPC error {code}: {text}", kind)
        {
            StatusCode = httpStatus,
        };
    }
}
