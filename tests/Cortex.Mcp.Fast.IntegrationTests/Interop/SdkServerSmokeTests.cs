using System.Net;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.IntegrationTests.Interop.Support;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop;

/// <summary>Behaviour both C# SDK server modes share; one subclass per mode.</summary>
public abstract class SdkServerSmokeTestsBase(SdkServerFixture server)
{
    protected SdkServerFixture Server { get; } = server;

    [Fact]
    public async Task Initialize_ThenListAndCallEcho_Succeeds()
    {
        using var client = new RawMcpHttp(Server.Endpoint);
        await client.InitializeAsync();
        Assert.Equal(McpProtocolVersions.V2025_11_25, client.ProtocolVersionHeader);
        Assert.Equal(Server.Stateless ? SessionIdValidation.Missing : SessionIdValidation.Valid, McpHeaders.ValidateSessionId(client.SessionId));

        var listId = client.NextId();
        var listed = Encoding.UTF8.GetString(JsonRpcMessageReader.Read((await client.PostAsync((w, o) => w.WriteToolsList(o, listId))).ResponseFor(listId)).Result);
        foreach (var tool in new[] { "echo", "add", "long-running", "fail" })
        {
            Assert.Contains($"\"name\":\"{tool}\"", listed, StringComparison.Ordinal);
        }

        var callId = client.NextId();
        var m = JsonRpcMessageReader.Read((await client.PostAsync((w, o) => w.WriteToolsCall(o, callId, "echo", """{"message":"hi"}"""u8))).ResponseFor(callId));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(McpPayloadReader.TryReadToolCallResult(m.Result, out var info));
        Assert.False(info.IsError);
        Assert.Contains("Echo: hi", Encoding.UTF8.GetString(m.Result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallAdd_Arguments_ReturnsSum()
    {
        using var client = new RawMcpHttp(Server.Endpoint);
        await client.InitializeAsync();
        var id = client.NextId();
        var m = JsonRpcMessageReader.Read((await client.PostAsync((w, o) => w.WriteToolsCall(o, id, "add", """{"a":2,"b":3}"""u8))).ResponseFor(id));
        Assert.Contains("The sum of 2 and 3 is 5.", Encoding.UTF8.GetString(m.Result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallLongRunning_WithProgressToken_ProgressThenResult()
    {
        using var client = new RawMcpHttp(Server.Endpoint);
        await client.InitializeAsync();
        var id = client.NextId();
        var reply = await client.PostAsync((w, o) => w.WriteToolsCall(o, id, "long-running", """{"steps":3}"""u8, progressToken: 1000 + id));
        Assert.Equal("text/event-stream", reply.ContentType);
        var progress = new List<ProgressNotification>();
        foreach (var payload in reply.Payloads)
        {
            var m = JsonRpcMessageReader.Read(payload);
            if (m.Method == McpMethod.Progress && McpPayloadReader.TryReadProgress(m.Params, out var p))
            {
                progress.Add(p);
            }
        }

        Assert.Equal([1.0, 2.0, 3.0], progress.Select(p => p.Progress));
        Assert.All(progress, p => Assert.Equal(JsonRpcId.FromNumber(1000 + id), p.ProgressToken));
        Assert.Equal("step 3", progress[^1].Message);
        Assert.Contains("Completed 3 steps.", Encoding.UTF8.GetString(JsonRpcMessageReader.Read(reply.ResponseFor(id)).Result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallFail_Always_IsErrorResultNotJsonRpcError()
    {
        using var client = new RawMcpHttp(Server.Endpoint);
        await client.InitializeAsync();
        var id = client.NextId();
        var m = JsonRpcMessageReader.Read((await client.PostAsync((w, o) => w.WriteToolsCall(o, id, "fail", """{"reason":"why"}"""u8))).ResponseFor(id));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(McpPayloadReader.TryReadToolCallResult(m.Result, out var info));
        Assert.True(info.IsError);
        Assert.Contains("Tool failed: why", Encoding.UTF8.GetString(m.Result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadResources_TextAndBlob_ReturnContents()
    {
        using var client = new RawMcpHttp(Server.Endpoint);
        await client.InitializeAsync();

        var textId = client.NextId();
        var text = JsonRpcMessageReader.Read((await client.PostAsync((w, o) => w.WriteResourcesRead(o, textId, SdkInteropResources.TextUri))).ResponseFor(textId));
        using (var doc = JsonDocument.Parse(text.Result.ToArray()))
        {
            Assert.Equal("Hello from the C# SDK.", doc.RootElement.GetProperty("contents")[0].GetProperty("text").GetString());
        }

        var blobId = client.NextId();
        var blob = JsonRpcMessageReader.Read((await client.PostAsync((w, o) => w.WriteResourcesRead(o, blobId, SdkInteropResources.BlobUri))).ResponseFor(blobId));
        using (var doc = JsonDocument.Parse(blob.Result.ToArray()))
        {
            var base64 = doc.RootElement.GetProperty("contents")[0].GetProperty("blob").GetString()!;
            Assert.Equal(SdkInteropResources.BlobBytes.ToArray(), Convert.FromBase64String(base64));
        }
    }

    [Fact]
    public async Task UnknownMethodAndResource_AreJsonRpcErrors()
    {
        using var client = new RawMcpHttp(Server.Endpoint);
        await client.InitializeAsync();
        var id = client.NextId();
        var m = JsonRpcMessageReader.Read((await client.PostAsync((w, o) => w.WriteResourcesRead(o, id, "test://interop/none"))).ResponseFor(id));
        Assert.Equal(JsonRpcMessageKind.Error, m.Kind);
        Assert.True(m.ErrorKind is McpErrorKind.ResourceNotFound or McpErrorKind.InvalidParams, m.ErrorKind.ToString());
    }
}

/// <summary>C# SDK, stateful: a session per client, DELETE ends it.</summary>
public sealed class SdkStatefulServerSmokeTests(SdkStatefulServerFixture server)
    : SdkServerSmokeTestsBase(server), IClassFixture<SdkStatefulServerFixture>
{
    [Fact]
    public async Task Delete_ThenReuseSession_404RecognisedAsSessionLost()
    {
        using var client = new RawMcpHttp(Server.Endpoint);
        await client.InitializeAsync();
        var deleted = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, Server.Endpoint));
        Assert.Equal(HttpStatusCode.OK, deleted.Status);

        var id = client.NextId();
        var after = await client.PostAsync((w, o) => w.WriteToolsList(o, id));
        Assert.Equal(HttpStatusCode.NotFound, after.Status);
        Assert.True(McpHttpErrorBody.IsSessionLost((int)after.Status, sentSessionId: true, McpHttpErrorBody.Parse(after.Body, after.ContentType)));
    }
}

/// <summary>C# SDK, stateless: no session id; also serves 2026-07-28 per-request-metadata requests.</summary>
public sealed class SdkStatelessServerSmokeTests(SdkStatelessServerFixture server)
    : SdkServerSmokeTestsBase(server), IClassFixture<SdkStatelessServerFixture>
{
    [Fact]
    public async Task CallEcho_Modern2026WithoutInitialize_Succeeds()
    {
        using var client = new RawMcpHttp(Server.Endpoint, McpProtocolVersions.V2026_07_28) { ProtocolVersionHeader = McpProtocolVersions.V2026_07_28 };
        var id = client.NextId();
        var reply = await client.PostAsync((w, o) => w.WriteToolsCall(o, id, "echo", """{"message":"modern"}"""u8), "tools/call", "echo");
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Null(reply.SessionId);
        var m = JsonRpcMessageReader.Read(reply.ResponseFor(id));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(McpPayloadReader.TryReadToolCallResult(m.Result, out var info));
        Assert.Equal(McpResultType.Complete, info.ResultType);
        Assert.Contains("Echo: modern", Encoding.UTF8.GetString(m.Result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadResource_Modern2026WithoutInitialize_Succeeds()
    {
        using var client = new RawMcpHttp(Server.Endpoint, McpProtocolVersions.V2026_07_28) { ProtocolVersionHeader = McpProtocolVersions.V2026_07_28 };
        var id = client.NextId();
        var reply = await client.PostAsync((w, o) => w.WriteResourcesRead(o, id, SdkInteropResources.TextUri), "resources/read", SdkInteropResources.TextUri);
        Assert.Equal(JsonRpcMessageKind.Result, JsonRpcMessageReader.Read(reply.ResponseFor(id)).Kind);
    }

    [Fact]
    public async Task CallEcho_Modern2026WithMismatchedName_IsHeaderMismatch()
    {
        using var client = new RawMcpHttp(Server.Endpoint, McpProtocolVersions.V2026_07_28) { ProtocolVersionHeader = McpProtocolVersions.V2026_07_28 };
        var id = client.NextId();
        var reply = await client.PostAsync((w, o) => w.WriteToolsCall(o, id, "echo", """{"message":"x"}"""u8), "tools/call", "add");
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        var body = McpHttpErrorBody.Parse(reply.Body, reply.ContentType);
        Assert.True(body.HasJsonRpcError, Encoding.UTF8.GetString(reply.Body));
        Assert.Equal(McpErrorKind.HeaderMismatch, body.Kind);
        Assert.True(JsonRpcErrorCodes.IsModernProtocolError(body.Code));
    }
}
