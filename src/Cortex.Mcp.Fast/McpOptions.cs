namespace Cortex.Mcp.Fast;

/// <summary>Settings that apply only to MCP Streamable HTTP services.</summary>
/// <remarks>Configuration keys: <c>Mcp:UseStatelessRevision</c>.</remarks>
public sealed class McpOptions
{
    /// <summary>Created by <see cref="McpServiceOptions"/>, which owns one of each group; set its properties.</summary>
    internal McpOptions()
    {
    }

    /// <summary>
    /// Gets or sets whether MCP Streamable HTTP speaks revision 2026-07-28 (no <c>initialize</c> handshake and no
    /// session; every request carries <c>Mcp-Method</c>/<c>Mcp-Name</c> headers and its metadata in <c>_meta</c>)
    /// instead of negotiating a handshake revision (2025-11-25 offered; 2025-06-18 and 2025-03-26 accepted).
    /// </summary>
    /// <value>The default value is <see langword="false"/>: use the handshake. Only servers that speak 2026-07-28 accept it.</value>
    public bool UseStatelessRevision { get; set; }

    /// <summary>
    /// Gets or sets the handler of server→client requests other than <c>ping</c> (which is always answered). When set,
    /// the client declares the <c>sampling</c>, <c>elicitation</c> and <c>roots</c> capabilities and keeps the
    /// session's standalone stream open so that such requests can reach it; when null it declares none and answers
    /// such requests with error -32601.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public McpServerRequestHandler? ServerRequestHandler { get; set; }

    internal McpOptions Clone() => (McpOptions)MemberwiseClone();
}
