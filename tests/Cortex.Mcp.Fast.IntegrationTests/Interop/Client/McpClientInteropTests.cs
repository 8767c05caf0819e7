namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Client;

/// <summary>Against the official C# SDK server, stateful (sessions, SSE replies).</summary>
public sealed class SdkStatefulMcpClientTests(SdkStatefulServerFixture server)
    : McpClientInteropTestsBase, IClassFixture<SdkStatefulServerFixture>
{
    protected override Uri Endpoint => server.Endpoint;

    protected override bool HasSessions => true;

    protected override string SumTool => "add";

    protected override string SumArguments => """{"a":2,"b":3}""";

    protected override string SumText => "The sum of 2 and 3 is 5.";

    protected override string LongRunningTool => "long-running";

    protected override string TwoStepArguments => """{"steps":2}""";

    protected override string EndlessArguments => """{"steps":100000,"stepDelayMs":20}""";

    protected override string FailingTool => "fail";

    protected override string TextResourceUri => SdkInteropResources.TextUri;

    protected override string BlobResourceUri => SdkInteropResources.BlobUri;

    /// <summary>Auto-detection picks Streamable HTTP for a path ending in /mcp.</summary>
    protected override McpProtocol Protocol => McpProtocol.Auto;
}

/// <summary>Against the official C# SDK server, stateless (no session id), with the handshake revisions.</summary>
public sealed class SdkStatelessMcpClientTests(SdkStatelessServerFixture server)
    : McpClientInteropTestsBase, IClassFixture<SdkStatelessServerFixture>
{
    protected override Uri Endpoint => server.Endpoint;

    protected override bool HasSessions => false;

    protected override string SumTool => "add";

    protected override string SumArguments => """{"a":2,"b":3}""";

    protected override string SumText => "The sum of 2 and 3 is 5.";

    protected override string LongRunningTool => "long-running";

    protected override string TwoStepArguments => """{"steps":2}""";

    protected override string EndlessArguments => """{"steps":100000,"stepDelayMs":20}""";

    protected override string FailingTool => "fail";

    protected override string TextResourceUri => SdkInteropResources.TextUri;

    protected override string BlobResourceUri => SdkInteropResources.BlobUri;
}

/// <summary>Against the official C# SDK server, stateless, speaking revision 2026-07-28 (no handshake, Mcp-* headers).</summary>
public sealed class SdkStatelessModernMcpClientTests(SdkStatelessServerFixture server)
    : McpClientInteropTestsBase, IClassFixture<SdkStatelessServerFixture>
{
    protected override Uri Endpoint => server.Endpoint;

    protected override bool HasSessions => false;

    protected override string SumTool => "add";

    protected override string SumArguments => """{"a":2,"b":3}""";

    protected override string SumText => "The sum of 2 and 3 is 5.";

    protected override string LongRunningTool => "long-running";

    protected override string TwoStepArguments => """{"steps":2}""";

    protected override string EndlessArguments => """{"steps":100000,"stepDelayMs":20}""";

    protected override string FailingTool => "fail";

    protected override string TextResourceUri => SdkInteropResources.TextUri;

    protected override string BlobResourceUri => SdkInteropResources.BlobUri;

    protected override void Configure(McpServiceOptions options) => options.Mcp.UseStatelessRevision = true;
}

/// <summary>Against the TypeScript reference server-everything (stateful, SSE with priming events, 400 on a lost session).</summary>
[Collection(EverythingServerGroup.Name)]
public sealed class EverythingMcpClientTests(EverythingServerFixture server) : McpClientInteropTestsBase
{
    protected override Uri Endpoint => server.Endpoint;

    protected override bool HasSessions => true;

    protected override string SumTool => "get-sum";

    protected override string SumArguments => """{"a":2,"b":3}""";

    protected override string SumText => "The sum of 2 and 3 is 5.";

    protected override string LongRunningTool => "trigger-long-running-operation";

    protected override string TwoStepArguments => """{"duration":0.2,"steps":2}""";

    protected override string EndlessArguments => """{"duration":600,"steps":3000}""";

    /// <summary>An unknown tool: server-everything answers with an isError result, not a JSON-RPC error.</summary>
    protected override string FailingTool => "no-such-tool";

    protected override string TextResourceUri => "demo://resource/dynamic/text/1";

    protected override string BlobResourceUri => "demo://resource/dynamic/blob/2";
}
