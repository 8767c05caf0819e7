using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Cortex.Mcp.Fast.Transports.StreamableHttp;
using Cortex.Mcp.Fast.TestSupport;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Support;

/// <summary>One HTTP reply, body read to the end.</summary>
internal sealed record RawReply(HttpStatusCode Status, string? ContentType, string? SessionId, byte[] Body)
{
    /// <summary>SSE events (test splitter), or the JSON body as one pseudo-event.</summary>
    public IReadOnlyList<TestSseEvent> Events => ContentType == "text/event-stream"
        ? TestSse.Parse(Body)
        : Body.Length > 0 ? [new TestSseEvent(null, null, Body)] : [];

    /// <summary>Data of every non-priming event.</summary>
    public IReadOnlyList<byte[]> Payloads => Events.Where(e => e.Data.Length > 0).Select(e => e.Data).ToList();

    /// <summary>The payload answering our request <paramref name="id"/> (result or error); fails the test if absent.</summary>
    public byte[] ResponseFor(long id)
    {
        foreach (var payload in Payloads)
        {
            var m = JsonRpcMessageReader.Read(payload);
            if (m.IsResponse && m.TryGetNumericId(out var got) && got == id)
            {
                return payload;
            }
        }

        throw new Xunit.Sdk.XunitException($"No response with id {id} in a {Status} {ContentType} reply of {Body.Length} bytes: {System.Text.Encoding.UTF8.GetString(Body)}");
    }
}

/// <summary>
/// Raw JSON-RPC over HTTP for interop smoke tests: bodies from <see cref="JsonRpcRequestWriter"/>, replies read with
/// <see cref="JsonRpcMessageReader"/>. Not the transport (that is written elsewhere); just enough to prove the
/// fixtures and the protocol core against real servers.
/// </summary>
internal sealed class RawMcpHttp : IDisposable
{
    public static readonly McpClientIdentity Identity = new("cortex-interop-tests", "0.0.1");

    private readonly HttpClient _http;
    private readonly JsonRpcRequestWriter _writer;
    private readonly JsonRpcIdGenerator _ids = new();

    public RawMcpHttp(Uri endpoint, string protocolVersion = McpProtocolVersions.LatestWithHandshake)
    {
        Endpoint = endpoint;
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, UseCookies = false })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        _writer = new JsonRpcRequestWriter(Identity, protocolVersion);
    }

    public Uri Endpoint { get; }

    /// <summary>Sent as Mcp-Session-Id when set.</summary>
    public string? SessionId { get; set; }

    /// <summary>Sent as MCP-Protocol-Version when set.</summary>
    public string? ProtocolVersionHeader { get; set; }

    public long NextId() => _ids.Next();

    /// <summary>
    /// initialize → notifications/initialized, keeping the session id and negotiated version. Returns the
    /// initialize reply.
    /// </summary>
    public async Task<RawReply> InitializeAsync(string proposedVersion = McpProtocolVersions.LatestWithHandshake)
    {
        var id = NextId();
        var reply = await PostAsync((w, o) => w.WriteInitialize(o, id, proposedVersion));
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var m = JsonRpcMessageReader.Read(reply.ResponseFor(id));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(McpPayloadReader.TryReadInitializeProtocolVersion(m.Result, out var negotiated));
        Assert.True(McpProtocolVersions.IsAcceptedFromServer(negotiated));
        var validation = McpHeaders.ValidateSessionId(reply.SessionId);
        Assert.True(validation is SessionIdValidation.Valid or SessionIdValidation.Missing, validation.ToString());
        SessionId = reply.SessionId;
        ProtocolVersionHeader = negotiated;
        _writer.ProtocolVersion = negotiated!;

        var initialized = await PostAsync((w, o) => w.WriteInitializedNotification(o));
        Assert.Equal(HttpStatusCode.Accepted, initialized.Status);
        return reply;
    }

    /// <summary>POSTs one message written by <paramref name="write"/>, with the MCP headers.</summary>
    public async Task<RawReply> PostAsync(
        Action<JsonRpcRequestWriter, IBufferWriter<byte>> write, string? mcpMethod = null, string? mcpName = null)
    {
        var body = new ArrayBufferWriter<byte>();
        write(_writer, body);
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint)
        {
            Content = new ByteArrayContent(body.WrittenSpan.ToArray()),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (mcpMethod is not null)
        {
            request.Headers.Add(McpHeaders.Method, mcpMethod);
        }

        if (mcpName is not null)
        {
            request.Headers.Add(McpHeaders.Name, McpHeaderValueEncoding.Encode(mcpName));
        }

        return await SendAsync(request);
    }

    /// <summary>Any request with the session headers; the body is read to its end.</summary>
    public async Task<RawReply> SendAsync(HttpRequestMessage request)
    {
        if (SessionId is not null)
        {
            request.Headers.TryAddWithoutValidation(McpHeaders.SessionId, SessionId);
        }

        if (ProtocolVersionHeader is not null)
        {
            request.Headers.TryAddWithoutValidation(McpHeaders.ProtocolVersion, ProtocolVersionHeader);
        }

        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        var sessionId = response.Headers.TryGetValues(McpHeaders.SessionId, out var values) ? values.Single() : null;
        return new RawReply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, sessionId, body);
    }

    public void Dispose()
    {
        _http.Dispose();
        _writer.Dispose();
    }
}
