namespace Cortex.Mcp.Fast;

/// <summary>The syslog severities of MCP logging (RFC 5424), least severe first.</summary>
public enum McpLoggingLevel
{
    /// <summary><c>debug</c>.</summary>
    Debug,

    /// <summary><c>info</c>.</summary>
    Info,

    /// <summary><c>notice</c>.</summary>
    Notice,

    /// <summary><c>warning</c>.</summary>
    Warning,

    /// <summary><c>error</c>.</summary>
    Error,

    /// <summary><c>critical</c>.</summary>
    Critical,

    /// <summary><c>alert</c>.</summary>
    Alert,

    /// <summary><c>emergency</c>.</summary>
    Emergency,
}
