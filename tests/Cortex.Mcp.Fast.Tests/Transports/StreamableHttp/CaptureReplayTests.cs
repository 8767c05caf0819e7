using System.Text;
using Cortex.Mcp.Fast.Tests.Transports.StreamableHttp.Support;
using Cortex.Mcp.Fast.Transports.StreamableHttp;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp;

/// <summary>The reader against real server replies (Captures/, from MCP-WIRE.md's probes).</summary>
public class CaptureReplayTests
{
    [Theory]
    [InlineData("init-1125.txt", "2025-11-25", true)]
    [InlineData("init-0618.txt", "2025-06-18", false)]
    [InlineData("s-init.txt", "2025-11-25", true)]
    public void Read_InitializeCapture_YieldsVersionAndSession(string capture, string version, bool priming)
    {
        var response = Captures.Load(capture);
        Assert.Equal(200, response.Status);
        Assert.Equal(SessionIdValidation.Valid, McpHeaders.ValidateSessionId(response.Headers[McpHeaders.SessionId]));
        // The priming event: an id and empty data, never handed to the JSON reader.
        Assert.Equal(priming, response.Events[0].Data.Length == 0 && response.Events[0].Id is not null);
        var payload = Assert.Single(response.JsonPayloads);
        var m = JsonRpcMessageReader.Read(payload);
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(m.TryGetNumericId(out var id));
        Assert.Equal(1, id);
        Assert.True(McpPayloadReader.TryReadInitializeProtocolVersion(m.Result, out var negotiated));
        Assert.Equal(version, negotiated);
        Assert.True(McpProtocolVersions.IsAcceptedFromServer(negotiated));
    }

    [Fact]
    public void Read_JsonModeInitialize_IsPlainJsonBody()
    {
        var response = Captures.Load("json-init.txt");
        Assert.Equal("application/json", response.ContentType);
        var m = JsonRpcMessageReader.Read(response.Body);
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(McpPayloadReader.TryReadInitializeProtocolVersion(m.Result, out var v));
        Assert.Equal("2025-11-25", v);
    }

    [Theory]
    [InlineData("call-sum.txt", 3L, "The sum of 2 and 3 is 5.")]
    [InlineData("call-sum-0618.txt", 3L, "The sum of 2 and 3 is 5.")]
    [InlineData("json-call.txt", 3L, "Hello, C#!")]
    public void Read_ToolCallCapture_IsSuccessfulResult(string capture, long expectedId, string text)
    {
        var payload = Assert.Single(Captures.Load(capture).JsonPayloads);
        var m = JsonRpcMessageReader.Read(payload);
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(m.TryGetNumericId(out var id));
        Assert.Equal(expectedId, id);
        Assert.True(McpPayloadReader.TryReadToolCallResult(m.Result, out var info));
        Assert.False(info.IsError);
        Assert.Contains(text, Encoding.UTF8.GetString(m.Result), StringComparison.Ordinal);
    }

    [Fact]
    public void Read_EchoCaptureWithStringId_KeepsStringId()
    {
        var m = JsonRpcMessageReader.Read(Assert.Single(Captures.Load("call-echo.txt").JsonPayloads));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.Equal(JsonRpcId.FromString("e-4"), m.GetId());
    }

    [Theory]
    [InlineData("err-unknown-tool.txt", "Tool nope not found")]
    [InlineData("err-bad-args.txt", "Input validation error")]
    public void Read_ToolFailureCapture_IsResultWithIsError(string capture, string text)
    {
        var m = JsonRpcMessageReader.Read(Assert.Single(Captures.Load(capture).JsonPayloads));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(McpPayloadReader.TryReadToolCallResult(m.Result, out var info));
        Assert.True(info.IsError);
        Assert.Contains(text, Encoding.UTF8.GetString(m.Result), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("err-method.txt", 15L, -32601L, (int)McpErrorKind.MethodNotFound)]
    [InlineData("res-read-bad.txt", 11L, -32602L, (int)McpErrorKind.InvalidParams)]
    public void Read_ErrorCapture_IsErrorWithCode(string capture, long expectedId, long code, int kind)
    {
        var m = JsonRpcMessageReader.Read(Assert.Single(Captures.Load(capture).JsonPayloads));
        Assert.Equal(JsonRpcMessageKind.Error, m.Kind);
        Assert.True(m.TryGetNumericId(out var id));
        Assert.Equal(expectedId, id);
        Assert.Equal(code, m.ErrorCode);
        Assert.Equal((McpErrorKind)kind, m.ErrorKind);
        Assert.False(string.IsNullOrEmpty(m.GetErrorMessage()));
    }

    [Theory]
    [InlineData("call-long.txt", 4, 5L)]
    [InlineData("c-call.txt", 3, null)] // the capture stops before the result: the request was cancelled
    public void Read_LongRunningCapture_ProgressThenResult(string capture, int progressCount, long? resultId)
    {
        var payloads = Captures.Load(capture).JsonPayloads;
        var progress = new List<ProgressNotification>();
        long? seenResult = null;
        foreach (var payload in payloads)
        {
            var m = JsonRpcMessageReader.Read(payload);
            if (m.Kind == JsonRpcMessageKind.Notification && m.Method == McpMethod.Progress)
            {
                Assert.True(McpPayloadReader.TryReadProgress(m.Params, out var p));
                progress.Add(p);
            }
            else if (m.Kind == JsonRpcMessageKind.Result && m.TryGetNumericId(out var id))
            {
                seenResult = id;
            }
        }

        Assert.Equal(progressCount, progress.Count);
        Assert.Equal(Enumerable.Range(1, progressCount).Select(i => (double)i), progress.Select(p => p.Progress));
        Assert.All(progress, p => Assert.Equal(progressCount, p.Total));
        Assert.All(progress, p => Assert.Equal(JsonRpcIdKind.String, p.ProgressToken.Kind));
        Assert.Equal(resultId, seenResult);
    }

    [Fact]
    public void Read_SamplingCapture_ServerRequestIdZeroThenResult()
    {
        var payloads = Captures.Load("samp-call.txt").JsonPayloads;
        var request = JsonRpcMessageReader.Read(payloads[0]);
        Assert.Equal(JsonRpcMessageKind.Request, request.Kind);
        Assert.Equal(McpMethod.SamplingCreateMessage, request.Method);
        Assert.Equal("0", Encoding.UTF8.GetString(request.RawId));
        var result = JsonRpcMessageReader.Read(payloads[1]);
        Assert.Equal(JsonRpcMessageKind.Result, result.Kind);
        Assert.True(result.TryGetNumericId(out var id));
        Assert.Equal(2, id);
    }

    [Theory]
    [InlineData("res-read-text.txt", "\"text\":\"Resource 1:")]
    [InlineData("res-read-blob.txt", "\"blob\":\"UmVzb3VyY2Ug")]
    public void Read_ResourceReadCapture_ResultHoldsContents(string capture, string fragment)
    {
        var m = JsonRpcMessageReader.Read(Assert.Single(Captures.Load(capture).JsonPayloads));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.Contains(fragment, Encoding.UTF8.GetString(m.Result), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ping.txt", 16L)]
    [InlineData("nopv.txt", 42L)]
    public void Read_EmptyResultCapture_IsResult(string capture, long expectedId)
    {
        var m = JsonRpcMessageReader.Read(Assert.Single(Captures.Load(capture).JsonPayloads));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.True(m.TryGetNumericId(out var id));
        Assert.Equal(expectedId, id);
        Assert.Equal("{}", Encoding.UTF8.GetString(m.Result));
    }

    [Fact]
    public void Read_BatchReplyCapture_IsOneEventPerReply()
    {
        var ids = Captures.Load("batch.txt").JsonPayloads
            .Select(p => JsonRpcMessageReader.Read(p).TryGetNumericId(out var id) ? id : -1)
            .ToList();
        Assert.Equal([40L, 41L], ids);
    }

    [Fact]
    public void Read_ToolsListCapture_ResultNamesEcho()
    {
        var m = JsonRpcMessageReader.Read(Assert.Single(Captures.Load("tools-list.txt").JsonPayloads));
        Assert.Equal(JsonRpcMessageKind.Result, m.Kind);
        Assert.Contains("\"name\":\"get-sum\"", Encoding.UTF8.GetString(m.Result), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NotificationAccepted_Is202WithEmptyBody()
    {
        var response = Captures.Load("initialized.txt");
        Assert.Equal(202, response.Status);
        Assert.Empty(response.Body);
    }
}
