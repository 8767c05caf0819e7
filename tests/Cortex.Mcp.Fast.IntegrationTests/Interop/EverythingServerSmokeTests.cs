using System.Net;
using System.Text;
using Cortex.Mcp.Fast.IntegrationTests.Interop.Support;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop;

/// <summary>
/// The protocol core against the official TypeScript reference server. Also pins the server behaviour recorded
/// in tests/interop/NOTES.md, so a version bump that changes it fails here first.
/// </summary>
[Collection(EverythingServerGroup.Name)]
public sealed class EverythingServerSmokeTests(EverythingServerFixture server)
{
    [Fact]
    public async Task Initialize_ThenListAndCallEcho_Succeeds()
    {
        using var client = new RawMcpHttp(server.Endpoint);
        var init = await client.InitializeAsync();
        Assert.Equal("text/event-stream", init.ContentType);
        Assert.Equal(McpProtocolVersions.V2025_11_25, client.ProtocolVersionHeader);
        Assert.Equal(SessionIdValidation.Valid, McpHeaders.ValidateSessionId(client.SessionId));
        // 2025-11-25: the POST stream opens with a priming event (id, empty data).
        Assert.Empty(init.Events[0].Data);
        Assert.NotNull(init.Events[0].Id);

        var listId = client.NextId();
        var list = await client.PostAsync((w, o) => w.WriteToolsList(o, listId));
        var listed = Encoding.UTF8.GetString(JsonRpcMessageReader.Read(list.ResponseFor(listId)).Result);
        foreach (var tool in new[] { "echo", "get-sum", "trigger-long-running-operation" })
        {
            Assert.Contains($"\"name\":\"{tool}\"", listed, StringComparison.Ordinal);
        }

        var callId = client.NextId();
        var call = await client.PostAsync((w, o) => w.WriteToolsCall(o, callId, "echo", """{"message":"hi"}"""u8));
        var m = JsonRpcMessageReader.Read(call.ResponseFor(callId));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(McpPayloadReader.TryReadToolCallResult(m.Result, out var info));
        Assert.False(info.IsError);
        Assert.Contains("Echo: hi", Encoding.UTF8.GetString(m.Result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_2025_06_18_NoPrimingEvent()
    {
        using var client = new RawMcpHttp(server.Endpoint);
        var init = await client.InitializeAsync(McpProtocolVersions.V2025_06_18);
        Assert.Equal(McpProtocolVersions.V2025_06_18, client.ProtocolVersionHeader);
        Assert.All(init.Events, e => Assert.NotEmpty(e.Data));
    }

    [Fact]
    public async Task CallGetSum_Arguments_ReturnsSum()
    {
        using var client = new RawMcpHttp(server.Endpoint);
        await client.InitializeAsync();
        var id = client.NextId();
        var reply = await client.PostAsync((w, o) => w.WriteToolsCall(o, id, "get-sum", """{"a":2,"b":3}"""u8));
        Assert.Contains("The sum of 2 and 3 is 5.", Encoding.UTF8.GetString(JsonRpcMessageReader.Read(reply.ResponseFor(id)).Result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallLongRunning_WithProgressToken_ProgressThenResultOnOneStream()
    {
        using var client = new RawMcpHttp(server.Endpoint);
        await client.InitializeAsync();
        var id = client.NextId();
        var reply = await client.PostAsync((w, o) => w.WriteToolsCall(o, id, "trigger-long-running-operation", """{"duration":0.2,"steps":2}"""u8, progressToken: id));
        var progress = new List<ProgressNotification>();
        foreach (var payload in reply.Payloads)
        {
            var m = JsonRpcMessageReader.Read(payload);
            if (m.Method == McpMethod.Progress)
            {
                Assert.True(McpPayloadReader.TryReadProgress(m.Params, out var p));
                progress.Add(p);
            }
        }

        Assert.Equal([1.0, 2.0], progress.Select(p => p.Progress));
        Assert.All(progress, p => Assert.Equal(JsonRpcId.FromNumber(id), p.ProgressToken));
        Assert.Equal(JsonRpcMessageKind.Result, JsonRpcMessageReader.Read(reply.ResponseFor(id)).Kind);
    }

    [Theory]
    [InlineData("demo://resource/dynamic/text/1", "\"text\":\"Resource 1:")]
    [InlineData("demo://resource/dynamic/blob/2", "\"blob\":\"")]
    [InlineData("demo://resource/static/document/architecture.md", "\"mimeType\":\"text/markdown\"")]
    public async Task ReadResource_KnownUri_ReturnsContents(string uri, string fragment)
    {
        using var client = new RawMcpHttp(server.Endpoint);
        await client.InitializeAsync();
        var id = client.NextId();
        var reply = await client.PostAsync((w, o) => w.WriteResourcesRead(o, id, uri));
        var m = JsonRpcMessageReader.Read(reply.ResponseFor(id));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.Contains(fragment, Encoding.UTF8.GetString(m.Result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Failures_UnknownToolAndMethodAndResource_HaveTheirShapes()
    {
        using var client = new RawMcpHttp(server.Endpoint);
        await client.InitializeAsync();

        var toolId = client.NextId();
        var tool = JsonRpcMessageReader.Read((await client.PostAsync((w, o) => w.WriteToolsCall(o, toolId, "nope", "{}"u8))).ResponseFor(toolId));
        Assert.Equal(JsonRpcMessageKind.Result, tool.Kind); // a tool failure, not a JSON-RPC error
        Assert.True(McpPayloadReader.TryReadToolCallResult(tool.Result, out var info));
        Assert.True(info.IsError);

        var resId = client.NextId();
        var res = JsonRpcMessageReader.Read((await client.PostAsync((w, o) => w.WriteResourcesRead(o, resId, "demo://nope"))).ResponseFor(resId));
        Assert.Equal(JsonRpcMessageKind.Error, res.Kind);
        Assert.Equal(McpErrorKind.InvalidParams, res.ErrorKind);

        // resources/unsubscribe of something never subscribed is accepted; a made-up method is -32601.
        var subId = client.NextId();
        var sub = JsonRpcMessageReader.Read((await client.PostAsync((w, o) => w.WriteResourcesSubscribe(o, subId, "demo://resource/dynamic/text/1"))).ResponseFor(subId));
        Assert.Equal(JsonRpcMessageKind.Result, sub.Kind);
    }

    [Fact]
    public async Task Delete_ThenReuseSession_400RecognisedAsSessionLost()
    {
        using var client = new RawMcpHttp(server.Endpoint);
        await client.InitializeAsync();
        var deleted = await client.SendAsync(new HttpRequestMessage(HttpMethod.Delete, server.Endpoint));
        Assert.Equal(HttpStatusCode.OK, deleted.Status);
        Assert.Empty(deleted.Body);

        var id = client.NextId();
        var after = await client.PostAsync((w, o) => w.WriteToolsList(o, id));
        Assert.Equal(HttpStatusCode.BadRequest, after.Status);
        var body = McpHttpErrorBody.Parse(after.Body, after.ContentType);
        Assert.True(body.HasJsonRpcError);
        Assert.Equal(JsonRpcErrorCodes.GenericServerError, body.Code);
        Assert.True(McpHttpErrorBody.IsSessionLost((int)after.Status, sentSessionId: true, body));
    }

    [Fact]
    public async Task Post_UnknownSessionId_400RecognisedAsSessionLost()
    {
        using var client = new RawMcpHttp(server.Endpoint) { SessionId = "00000000-0000-4000-8000-000000000000", ProtocolVersionHeader = "2025-11-25" };
        var id = client.NextId();
        var reply = await client.PostAsync((w, o) => w.WriteToolsList(o, id));
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        Assert.True(McpHttpErrorBody.IsSessionLost((int)reply.Status, true, McpHttpErrorBody.Parse(reply.Body, reply.ContentType)));
    }

    [Fact]
    public async Task Post_Modern2026Request_IsRefusedWithoutModernError()
    {
        // A 2026-07-28 client probing this (legacy-only) server must see a 4xx without a recognised modern
        // error, which is its cue to fall back to initialize.
        using var client = new RawMcpHttp(server.Endpoint, McpProtocolVersions.V2026_07_28) { ProtocolVersionHeader = "2026-07-28" };
        var id = client.NextId();
        var reply = await client.PostAsync((w, o) => w.WriteToolsCall(o, id, "echo", """{"message":"x"}"""u8), "tools/call", "echo");
        Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
        var body = McpHttpErrorBody.Parse(reply.Body, reply.ContentType);
        Assert.False(body.HasJsonRpcError && JsonRpcErrorCodes.IsModernProtocolError(body.Code));
    }
}
