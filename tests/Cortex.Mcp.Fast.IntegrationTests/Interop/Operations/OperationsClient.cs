namespace Cortex.Mcp.Fast.IntegrationTests.Interop.Operations;

/// <summary>Builds a <see cref="NetworkMcpClient"/> for one service named "mcp" at an endpoint.</summary>
internal static class OperationsClient
{
    /// <summary>How long any step of these tests may take.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    public static async Task<NetworkMcpClient> CreateAsync(Uri endpoint, McpProtocol protocol = McpProtocol.StreamableHttp, Action<McpServiceOptions>? configure = null)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync("mcp", endpoint);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        options.DefaultServiceOptions.Protocol = protocol;
        options.DefaultServiceOptions.Retry.MaxRetries = 0;
        configure?.Invoke(options.DefaultServiceOptions);
        return new NetworkMcpClient(options);
    }
}
