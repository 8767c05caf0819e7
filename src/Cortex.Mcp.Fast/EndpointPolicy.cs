namespace Cortex.Mcp.Fast;

/// <summary>
/// Which endpoints from discovery a service may connect to (<see cref="McpServiceOptions.EndpointPolicy"/>): a guard
/// against a discovery source that can be steered to internal addresses (server-side request forgery).
/// </summary>
/// <remarks>Every policy refuses an endpoint that is not an absolute http or https URI or that carries user
/// information. The address checks apply to every resolved endpoint, and, for host names, to every address the
/// name resolves to when a connection is opened.</remarks>
public enum EndpointPolicy
{
    /// <summary>Any http or https endpoint: loopback and private networks are legitimate for many services. The default.</summary>
    Any = 0,

    /// <summary>
    /// Public addresses only: refuses loopback (127.0.0.0/8, ::1, <c>localhost</c>), private (RFC 1918 and RFC 4193),
    /// link-local (169.254.0.0/16 — cloud metadata at 169.254.169.254 included — and fe80::/10), unspecified
    /// (0.0.0.0, ::), shared (100.64.0.0/10) and multicast addresses; IPv4-mapped IPv6 addresses are judged by their
    /// IPv4 address.
    /// </summary>
    PublicOnly = 1,
}
