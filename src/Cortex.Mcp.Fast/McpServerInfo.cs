using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>
/// What an MCP server said about itself when the session started (the <c>initialize</c> result), and the revision
/// both sides agreed on. Read with <see cref="NetworkMcpClient.GetServerInfoAsync"/>.
/// </summary>
/// <remarks>A 2026-07-28 session has no handshake: then only <see cref="ProtocolVersion"/> is known, the name is
/// empty and <see cref="Capabilities"/> declares nothing.</remarks>
public sealed class McpServerInfo
{
    internal McpServerInfo(string protocolVersion, string name, McpServerCapabilities capabilities)
    {
        ProtocolVersion = protocolVersion;
        Name = name;
        Capabilities = capabilities;
    }

    /// <summary>Gets the negotiated protocol revision (for example <c>2025-11-25</c>).</summary>
    public string ProtocolVersion { get; }

    /// <summary>Gets the server's name (<c>serverInfo.name</c>); empty when it sent none.</summary>
    public string Name { get; }

    /// <summary>Gets the server's version (<c>serverInfo.version</c>), when given.</summary>
    public string? Version { get; internal init; }

    /// <summary>Gets the server's human-readable title (<c>serverInfo.title</c>), when given.</summary>
    public string? Title { get; internal init; }

    /// <summary>Gets the server's instructions for the model (<c>instructions</c>), when given.</summary>
    public string? Instructions { get; internal init; }

    /// <summary>Gets what the server declared it supports.</summary>
    public McpServerCapabilities Capabilities { get; }
}

/// <summary>The capabilities a server declared in its <c>initialize</c> result.</summary>
public sealed class McpServerCapabilities
{
    internal McpServerCapabilities()
    {
    }

    /// <summary>Gets whether the server offers tools.</summary>
    public bool Tools { get; internal init; }

    /// <summary>Gets whether the server sends <c>notifications/tools/list_changed</c>.</summary>
    public bool ToolsListChanged { get; internal init; }

    /// <summary>Gets whether the server offers resources.</summary>
    public bool Resources { get; internal init; }

    /// <summary>Gets whether the server accepts <c>resources/subscribe</c>.</summary>
    public bool ResourcesSubscribe { get; internal init; }

    /// <summary>Gets whether the server sends <c>notifications/resources/list_changed</c>.</summary>
    public bool ResourcesListChanged { get; internal init; }

    /// <summary>Gets whether the server offers prompts.</summary>
    public bool Prompts { get; internal init; }

    /// <summary>Gets whether the server sends <c>notifications/prompts/list_changed</c>.</summary>
    public bool PromptsListChanged { get; internal init; }

    /// <summary>Gets whether the server sends log messages and accepts <c>logging/setLevel</c>.</summary>
    public bool Logging { get; internal init; }

    /// <summary>Gets whether the server answers <c>completion/complete</c>.</summary>
    public bool Completions { get; internal init; }

    /// <summary>Gets the whole <c>capabilities</c> object as sent (experimental and future members included); detached.
    /// <see langword="default"/> when the server sent none.</summary>
    public JsonElement Json { get; internal init; }
}
