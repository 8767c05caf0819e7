namespace Cortex.Mcp.Fast;

/// <summary>
/// An endpoint from discovery was refused by the service's <see cref="McpServiceOptions.EndpointPolicy"/> (for
/// example a loopback, private or link-local address under <see cref="EndpointPolicy.PublicOnly"/>).
/// </summary>
/// <remarks>Nothing was sent: <see cref="ServiceCallException.RequestNotSent"/> is true. The message names the service
/// and why; the refused address itself is not quoted (it may carry credentials).</remarks>
public sealed class EndpointRefusedException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    internal EndpointRefusedException(string service, string operation, string reason)
        : base(service, operation, $"Service '{service}': an endpoint from discovery was refused by the endpoint policy: {reason}", FailureKind.Other)
    {
        Reason = reason;
        RequestNotSent = true;
    }

    /// <summary>Gets why the endpoint was refused (which kind of address).</summary>
    public string Reason { get; }
}
