using static Cortex.Mcp.Fast.IntegrationTests.Interop.Operations.OperationsClient;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Operations;

/// <summary>The MCP-only operations on a REST service fail typed, before any I/O.</summary>
public sealed class RestOperationsTests
{
    /// <summary>Nothing listens here; a request that left would fail with a connect error, not NotSupported.</summary>
    private static readonly Uri s_nowhere = new("http://127.0.0.1:9/");

    public static TheoryData<string> Operations => ["resources", "templates", "prompts", "prompt", "complete", "ping", "level", "info", "toolsPage"];

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task McpOnlyOperation_OnRest_ThrowsNotSentServiceCallException(string operation)
    {
        await using var client = await CreateAsync(s_nowhere, McpProtocol.Rest);
        Task call = operation switch
        {
            "resources" => client.ListResourcesAsync("mcp").AsTask(),
            "templates" => client.ListResourceTemplatesPageAsync("mcp").AsTask(),
            "prompts" => client.ListPromptsAsync("mcp").AsTask(),
            "prompt" => client.GetPromptAsync("mcp", "p").AsTask(),
            "complete" => client.CompleteAsync("mcp", McpCompletionReference.ForPrompt("p"), "a", "v").AsTask(),
            "ping" => client.PingAsync("mcp").AsTask(),
            "level" => client.SetLoggingLevelAsync("mcp", McpLoggingLevel.Info).AsTask(),
            "info" => client.GetServerInfoAsync("mcp").AsTask(),
            _ => client.ListToolsPageAsync("mcp").AsTask(),
        };
        var error = await Assert.ThrowsAsync<ServiceCallException>(() => call.WaitAsync(Bound));
        Assert.Equal(typeof(ServiceCallException), error.GetType());
        Assert.True(error.RequestNotSent);
        Assert.Contains("Streamable HTTP", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.GetDiagnostics().Services["mcp"].ConsecutiveFailures);
    }
}
