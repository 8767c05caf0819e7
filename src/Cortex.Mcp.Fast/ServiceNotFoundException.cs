namespace Cortex.Mcp.Fast;

/// <summary>The service is not registered with service discovery (<see cref="IServiceDiscovery"/>).</summary>
public sealed class ServiceNotFoundException : ServiceCallException
{
    /// <summary>Creates the exception.</summary>
    internal ServiceNotFoundException(string service, string tool)
        : base(service, tool, $"Service '{service}' is not registered with service discovery.", FailureKind.Other)
    {
        RequestNotSent = true;
    }
}
