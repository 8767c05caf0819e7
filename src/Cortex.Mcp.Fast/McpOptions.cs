namespace Cortex.Mcp.Fast;

/// <summary>
/// Answers a server→client request that no typed handler of <see cref="McpOptions"/> covers (an extension or
/// experimental method): the escape hatch under <see cref="McpOptions.ServerRequestHandler"/>.
/// </summary>
/// <param name="method">The JSON-RPC method name.</param>
/// <param name="paramsUtf8">The request's <c>params</c> as UTF-8 JSON (empty when absent); valid only during the call.</param>
/// <param name="cancellationToken">Fires when the answer is no longer wanted or the client is disposed.</param>
/// <returns>The JSON-RPC <c>result</c> as one UTF-8 JSON value, or null when the method is not handled (the server
/// then gets error -32601). A thrown exception is answered with error -32603.</returns>
public delegate ValueTask<byte[]?> McpServerRequestHandler(string method, ReadOnlyMemory<byte> paramsUtf8, CancellationToken cancellationToken);

/// <summary>
/// Settings that apply only to MCP services: the revision spoken, who the client says it is, and the handlers of
/// requests the server sends to the client.
/// </summary>
/// <remarks>
/// <para>The client declares in <c>initialize</c> exactly the capabilities it has handlers for:
/// <c>sampling</c> for <see cref="SamplingHandler"/>, <c>elicitation</c> (with the modes of
/// <see cref="ElicitationModes"/>) for <see cref="ElicitationHandler"/>, and <c>roots</c> with <c>listChanged</c> for
/// <see cref="RootsHandler"/>. With any handler set, the session's standalone stream is kept open, because servers
/// send requests that belong to no call on it. A request is answered once, on the stream's session, within the
/// deadline of the call whose reply carried it and within <see cref="ServerRequestTimeout"/>.</para>
/// <para>Configuration keys: <c>Mcp:UseStatelessRevision</c>, <c>Mcp:ClientName</c>, <c>Mcp:ClientVersion</c>,
/// <c>Mcp:ClientTitle</c>, <c>Mcp:ElicitationModes</c>, <c>Mcp:ApplyElicitationDefaults</c>,
/// <c>Mcp:ServerRequestTimeout</c>.</para>
/// </remarks>
public sealed class McpOptions
{
    /// <summary>The default <see cref="ClientName"/>.</summary>
    internal const string DefaultClientName = "Cortex.Mcp.Fast";

    private string _clientName = DefaultClientName;
    private string _clientVersion = typeof(McpOptions).Assembly.GetName().Version?.ToString(3) ?? "1.0.0";
    private string? _clientTitle;
    private McpElicitationModes _elicitationModes = McpElicitationModes.Form;
    private TimeSpan _serverRequestTimeout = TimeSpan.FromMinutes(5);

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

    /// <summary>Gets or sets the client's name, sent as <c>clientInfo.name</c>.</summary>
    /// <value>The default value is <c>Cortex.Mcp.Fast</c>. Must not be empty.</value>
    public string ClientName
    {
        get => _clientName;
        set => _clientName = NotEmpty(value, nameof(ClientName));
    }

    /// <summary>Gets or sets the client's version, sent as <c>clientInfo.version</c>.</summary>
    /// <value>The default value is this library's version (major.minor.patch). Must not be empty.</value>
    public string ClientVersion
    {
        get => _clientVersion;
        set => _clientVersion = NotEmpty(value, nameof(ClientVersion));
    }

    /// <summary>Gets or sets the client's display name, sent as <c>clientInfo.title</c> when set.</summary>
    /// <value>The default value is <see langword="null"/>: no title is sent. Must not be empty when set.</value>
    public string? ClientTitle
    {
        get => _clientTitle;
        set => _clientTitle = value is null ? null : NotEmpty(value, nameof(ClientTitle));
    }

    /// <summary>Gets or sets the handler of <c>sampling/createMessage</c>; when set the client declares <c>sampling</c>.</summary>
    /// <value>The default value is <see langword="null"/>: not declared, and such requests get error -32601.</value>
    public McpSamplingHandler? SamplingHandler { get; set; }

    /// <summary>Gets or sets the handler of <c>elicitation/create</c>; when set the client declares <c>elicitation</c>
    /// with the modes of <see cref="ElicitationModes"/>.</summary>
    /// <value>The default value is <see langword="null"/>: not declared, and such requests get error -32601.</value>
    public McpElicitationHandler? ElicitationHandler { get; set; }

    /// <summary>
    /// Gets or sets the elicitation modes declared with <see cref="ElicitationHandler"/>. A request in a mode not
    /// declared here is refused with error -32602 before the handler runs.
    /// </summary>
    /// <value>The default value is <see cref="McpElicitationModes.Form"/>. Must name at least one mode.</value>
    public McpElicitationModes ElicitationModes
    {
        get => _elicitationModes;
        set => _elicitationModes = value is > McpElicitationModes.None and <= (McpElicitationModes.Form | McpElicitationModes.Url)
            ? value
            : throw OptionRules.OutOfRange(nameof(ElicitationModes), value, $"{nameof(ElicitationModes)} must name Form, Url or both.");
    }

    /// <summary>
    /// Gets or sets whether an accepted form answer is completed with the schema's defaults (SEP-1034): every property
    /// of <c>requestedSchema</c> that has a <c>default</c> and that the handler left unset is sent with that default.
    /// </summary>
    /// <value>The default value is <see langword="false"/>: the handler's content is sent as it is.</value>
    public bool ApplyElicitationDefaults { get; set; }

    /// <summary>Gets or sets the handler of <c>roots/list</c>; when set the client declares <c>roots</c> with <c>listChanged</c>.</summary>
    /// <value>The default value is <see langword="null"/>: not declared, and such requests get error -32601.</value>
    public McpRootsHandler? RootsHandler { get; set; }

    /// <summary>
    /// Gets or sets the handler of server→client requests that no typed handler covers (extension methods). It
    /// declares no capability, and it never receives <c>ping</c> (always answered) nor <c>sampling/createMessage</c>,
    /// <c>elicitation/create</c> or <c>roots/list</c> (answered by their typed handlers, or refused with -32601 when
    /// not declared). When set, the session's standalone stream is kept open so that such requests can arrive.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: such requests get error -32601.</value>
    public McpServerRequestHandler? ServerRequestHandler { get; set; }

    /// <summary>
    /// Gets or sets the longest a handler may take to answer one server request. A request carried by a call's
    /// reply is also bounded by that call's deadline; one on the standalone stream only by this. When it passes,
    /// the handler is cancelled and the server gets error -32603.
    /// </summary>
    /// <value>The default value is 5 minutes (a person may be answering). Must be positive.</value>
    public TimeSpan ServerRequestTimeout
    {
        get => _serverRequestTimeout;
        set => _serverRequestTimeout = OptionRules.Positive(value, nameof(ServerRequestTimeout));
    }

    /// <summary>True when any handler is set: the client then keeps the standalone stream open.</summary>
    internal bool HandlesServerRequests =>
        SamplingHandler is not null || ElicitationHandler is not null || RootsHandler is not null || ServerRequestHandler is not null;

    internal McpOptions Clone() => (McpOptions)MemberwiseClone();

    private static string NotEmpty(string value, string name) =>
        string.IsNullOrWhiteSpace(value)
            ? throw new ArgumentException($"{name} must not be empty.", name)
            : value;
}
