using System.Buffers;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>What one request expects from its reply: a tool result (<c>isError</c> checked) or any result.</summary>
internal enum McpReplyKind : byte
{
    /// <summary><c>tools/call</c>: a result with <c>isError: true</c> completes with a tool failure.</summary>
    ToolCall,

    /// <summary>Any other request: the raw result is kept.</summary>
    Plain,
}

/// <summary>A server→client request read from a stream, copied out of the stream's buffers so it can be answered later.</summary>
internal readonly record struct ServerRequest(McpMethod Method, string MethodName, byte[] RawId, byte[] Params);

/// <summary>
/// One request of ours in flight: its id (also its progress token), its progress receiver, the stream cursor that
/// resumes its reply, and — once the router saw our response — the result (copied into a pooled buffer) or the
/// failure. Later responses with our id are ignored.
/// </summary>
/// <remarks>Owned by one call at a time; not thread-safe. <see cref="Dispose"/> returns its pooled memory.</remarks>
internal sealed class McpPendingRequest : IDisposable
{
    // One finished request per thread, for Rent: a tools/call that completes in one exchange is recycled on the
    // thread that took its result, which is the thread its caller's next call starts on (see WorkerHandOff).
    [ThreadStatic]
    private static McpPendingRequest? t_cached;

    public McpPendingRequest(long id, McpReplyKind kind, IProgress<McpProgress>? progress = null)
    {
        Id = id;
        Kind = kind;
        Progress = progress;
    }

    /// <summary>Our JSON-RPC id (unique per session); also the progress token when <see cref="Progress"/> is set.</summary>
    public long Id { get; private set; }

    public McpReplyKind Kind { get; private set; }

    public IProgress<McpProgress>? Progress { get; private set; }

    /// <summary>A request from this thread's slot (see <see cref="Recycle"/>), or a new one.</summary>
    public static McpPendingRequest Rent(long id, McpReplyKind kind, IProgress<McpProgress>? progress = null)
    {
        if (t_cached is not { } cached)
        {
            return new McpPendingRequest(id, kind, progress);
        }

        t_cached = null;
        cached.Id = id;
        cached.Kind = kind;
        cached.Progress = progress;
        return cached;
    }

    /// <summary>
    /// Clears a disposed request whose owner is done with it — nothing else may hold it: not a suspended reply, not a
    /// resumption — and keeps it in this thread's slot for <see cref="Rent"/>.
    /// </summary>
    public static void Recycle(McpPendingRequest request)
    {
        request._cursor = null;
        request._offered = null;
        request.Completed = false;
        request.ResultBuffer = null;
        request.ResultOffset = 0;
        request.AdoptedReplyBuffer = false;
        request.ResultLength = 0;
        request.Failure = null;
        request.SessionIdHeader = null;
        request.ProgressReports = 0;
        request.Progress = null;
        t_cached = request;
    }

    private StreamCursor? _cursor;

    /// <summary>Where the reply stream stands, for resuming it with <c>Last-Event-ID</c> (created when first needed:
    /// a plain JSON reply never needs one).</summary>
    public StreamCursor Cursor => _cursor ??= new StreamCursor();

    /// <summary>True once our response (result or error) arrived.</summary>
    public bool Completed { get; private set; }

    private byte[]? _offered;

    /// <summary>The result bytes (pooled) when completed with a result; the result starts at <see cref="ResultOffset"/>.</summary>
    public byte[]? ResultBuffer { get; private set; }

    /// <summary>Where the result starts in <see cref="ResultBuffer"/> (0 unless a reply body was adopted).</summary>
    public int ResultOffset { get; private set; }

    /// <summary>True when the result adopted the buffer offered by <see cref="OfferReplyBuffer"/>: its owner must not return it.</summary>
    public bool AdoptedReplyBuffer { get; private set; }

    public int ResultLength { get; private set; }

    /// <summary>The failure when completed with one.</summary>
    public TransportFailure? Failure { get; private set; }

    /// <summary>The <c>Mcp-Session-Id</c> response header (initialize only); null when absent.</summary>
    public string? SessionIdHeader { get; set; }

    /// <summary>Progress notifications reported so far (diagnostics and tests).</summary>
    public int ProgressReports { get; private set; }

    /// <summary>Takes the result buffer out (the caller now owns it), or throws the failure.</summary>
    public (byte[] Buffer, int Length) TakeResult()
    {
        if (Failure is { } failure)
        {
            throw failure;
        }

        var buffer = ResultBuffer ?? throw new InvalidOperationException("No result.");
        if (ResultOffset != 0)
        {
            throw new InvalidOperationException("An adopted tool result is taken with TakeToolResult.");
        }

        ResultBuffer = null;
        return (buffer, ResultLength);
    }

    /// <summary>
    /// Offers the pooled buffer of a whole JSON reply body that is about to be routed: a tool result found inside it
    /// is then adopted in place (no copy); see <see cref="AdoptedReplyBuffer"/>.
    /// </summary>
    public void OfferReplyBuffer(byte[]? buffer) => _offered = Kind == McpReplyKind.ToolCall ? buffer : null;

    /// <summary>Takes a tool result out as a <see cref="ToolResult"/> (which then owns the pooled buffer), or throws the failure.</summary>
    public ToolResult TakeToolResult()
    {
        if (Failure is { } failure)
        {
            throw failure;
        }

        var buffer = ResultBuffer ?? throw new InvalidOperationException("No result.");
        ResultBuffer = null;
        return new ToolResult(buffer, ResultOffset, ResultLength, pooled: true) { IsMcpEnvelope = true };
    }

    public void CompleteWithResult(ReadOnlySpan<byte> result)
    {
        if (_offered is { } offered && offered.AsSpan().Overlaps(result, out var offset))
        {
            ResultBuffer = offered;
            ResultOffset = offset;
            ResultLength = result.Length;
            AdoptedReplyBuffer = true;
            _offered = null;
            Completed = true;
            return;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16, result.Length));
        result.CopyTo(buffer);
        ResultBuffer = buffer;
        ResultLength = result.Length;
        Completed = true;
    }

    public void CompleteWithFailure(TransportFailure failure)
    {
        Failure = failure;
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

        _cursor?.Dispose();
        _cursor = null;
    }
}
