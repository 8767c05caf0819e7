using System.Text.Json;
using static Cortex.Mcp.Fast.IntegrationTests.Interop.Operations.OperationsClient;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Operations;

/// <summary>The new operations against the official C# SDK server without sessions (no standalone stream), with
/// the handshake revisions and with revision 2026-07-28 (no initialize at all).</summary>
public sealed class SdkStatelessOperationsTests(SdkStatelessServerFixture server) : IClassFixture<SdkStatelessServerFixture>
{
    [Fact]
    public async Task NotificationHandler_ServerWithoutStandaloneStream_RequestsStillWork()
    {
        await using var client = await CreateAsync(server.Endpoint);
        var progress = 0;
        using var registration = client.RegisterNotificationHandler("mcp", McpNotificationMethods.Progress, _ => Interlocked.Increment(ref progress));
        var reported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (await client.CallToolAsync("mcp", "long-running", JsonDocument.Parse("""{"steps":2}""").RootElement, new ToolCallOptions { Progress = new Progress<McpProgress>(_ => reported.TrySetResult()) })
                   .AsTask().WaitAsync(Bound))
        {
        }

        await client.PingAsync("mcp").AsTask().WaitAsync(Bound);
        var tools = await client.ListToolsPageAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Contains(tools.Items, t => t.Name == "echo");
        // Progress travels on the call's own reply stream: the handler saw both steps before the result.
        Assert.Equal(2, Volatile.Read(ref progress));
    }

    [Fact]
    public async Task StatelessRevision_ServerInfoKnowsOnlyTheVersion_AndRequestsWork()
    {
        await using var client = await CreateAsync(server.Endpoint, configure: o => o.Mcp.UseStatelessRevision = true);
        var info = await client.GetServerInfoAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Equal("2026-07-28", info.ProtocolVersion);
        Assert.Equal(string.Empty, info.Name);
        Assert.False(info.Capabilities.Tools);

        var page = await client.ListToolsPageAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Contains(page.Items, t => t.Name == "add");

        // Revision 2026-07-28 has no ping; the server says so (HTTP 404 carrying JSON-RPC -32601), typed.
        var ping = await Assert.ThrowsAnyAsync<ServiceCallException>(() => client.PingAsync("mcp").AsTask().WaitAsync(Bound));
        Assert.Contains("-32601", ping.Message, StringComparison.Ordinal);
        var resources = await client.ListResourcesAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Contains(resources, r => r.Uri == SdkInteropResources.TextUri);
    }
}

/// <summary>Prompts, completion and paged lists over revision 2026-07-28, where the server checks that the
/// <c>Mcp-Name</c> header matches the body (prompts/get) and every request carries its own metadata.</summary>
public sealed class SdkStatelessRevisionOperationsTests(SdkOperationsStatelessServerFixture server) : IClassFixture<SdkOperationsStatelessServerFixture>
{
    [Fact]
    public async Task GetPromptCompleteAndPagedList_OverRevision2026()
    {
        await using var client = await CreateAsync(server.Endpoint, configure: o => o.Mcp.UseStatelessRevision = true);
        var prompt = await client.GetPromptAsync("mcp", "greet", new Dictionary<string, string> { ["name"] = "Lin" }).AsTask().WaitAsync(Bound);
        Assert.Equal("Hello, Lin!", Assert.Single(prompt.Messages).Text);

        var completion = await client.CompleteAsync("mcp", McpCompletionReference.ForPrompt("greet"), "name", "be").AsTask().WaitAsync(Bound);
        Assert.Equal(["beta"], completion.Values);

        var resources = await client.ListResourcesAsync("mcp").AsTask().WaitAsync(Bound);
        Assert.Equal(SdkOperationsServerFixture.ResourceCount, resources.Count);
    }
}
