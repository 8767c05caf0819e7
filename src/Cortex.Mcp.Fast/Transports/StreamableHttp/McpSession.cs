using Cortex.Mcp.Fast.Errors;
using Microsoft.Extensions.ObjectPool;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// One MCP session as the client sees it: the negotiated revision, the server's session id (none for stateless
/// servers and for 2026-07-28), the id counter and the cached tool list. Replaced as a whole when the server
/// loses the session, so nothing of an old session leaks into a new one.
/// </summary>
/// <remarks>Thread-safe: immutable but for the id counter (Interlocked) and the tool cache (one volatile reference).</remarks>
internal sealed class McpSession
{
    private IReadOnlyList<McpToolInfo>? _tools;

    public McpSession(string? sessionId, string protocolVersion, McpClientIdentity identity, JsonRpcIdGenerator ids, int generation)
    {
        SessionId = sessionId;
        ProtocolVersion = protocolVersion;
        Ids = ids;
        Generation = generation;
        Stateless = McpProtocolVersions.UsesRequestMetadataHeaders(protocolVersion);
        CanResume = McpProtocolVersions.SupportsResumption(protocolVersion);
        Writers = new DefaultObjectPool<JsonRpcRequestWriter>(new WriterPolicy(identity, protocolVersion), 64);
    }

    /// <summary>The server's session id (validated: visible ASCII, bounded), or null. Never logged; on traced spans as <c>mcp.session.id</c>.</summary>
    public string? SessionId { get; }

    /// <summary>The negotiated revision, sent as <c>MCP-Protocol-Version</c>.</summary>
    public string ProtocolVersion { get; }

    /// <summary>True for 2026-07-28: no session, <c>Mcp-Method</c>/<c>Mcp-Name</c> on every POST.</summary>
    public bool Stateless { get; }

    /// <summary>True when a broken stream may be resumed by GET with <c>Last-Event-ID</c>.</summary>
    public bool CanResume { get; }

    /// <summary>True for the provisional session of an initialize request: no <c>MCP-Protocol-Version</c> header yet.</summary>
    public bool IsHandshake { get; init; }

    /// <summary>What the server said about itself in <c>initialize</c>; null for a session without a handshake.</summary>
    public McpServerInfo? ServerInfo { get; init; }

    /// <summary>Request ids of this session.</summary>
    public JsonRpcIdGenerator Ids { get; }

    /// <summary>1 for the first session of the transport, 2 for the next, …</summary>
    public int Generation { get; }

    /// <summary>Request writers bound to this session's revision (a writer is not thread-safe).</summary>
    public ObjectPool<JsonRpcRequestWriter> Writers { get; }

    /// <summary>
    /// Writes a request body with one of this session's writers into a pooled writer (from this thread's slot; the
    /// caller disposes it once). A value the writer refuses (an argument that is not JSON, say) is a typed refusal:
    /// nothing was sent.
    /// </summary>
    /// <exception cref="TransportFailure">The body could not be written.</exception>
    public PooledBufferWriter WriteBody<TState>(long id, TState state, RequestBodyWriter<TState> write)
    {
        var body = PooledBufferWriter.Rent();
        var writer = Writers.Get();
        try
        {
            write(writer, body, id, state);
            return body;
        }
        catch (ArgumentException ex)
        {
            body.Dispose();
            throw TransportFailure.Refused(ex.Message, ex);
        }
        finally
        {
            Writers.Return(writer);
        }
    }

    /// <summary>The cached <c>tools/list</c>, or null when not read yet or invalidated by <c>list_changed</c>.</summary>
    public IReadOnlyList<McpToolInfo>? Tools
    {
        get => Volatile.Read(ref _tools);
        set => Volatile.Write(ref _tools, value);
    }

    private sealed class WriterPolicy(McpClientIdentity identity, string version) : PooledObjectPolicy<JsonRpcRequestWriter>
    {
        public override JsonRpcRequestWriter Create() => new(identity, version);

        public override bool Return(JsonRpcRequestWriter obj) => true;
    }
}
