using System.Globalization;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Cortex.Mcp.Fast.Hosting.Health;

/// <summary>
/// The health of one service of a hosted client, from <see cref="NetworkMcpClient.GetDiagnostics"/>: Degraded while
/// its circuit breaker is not closed (open, or half-open with a probe deciding) or while its queue holds at least
/// <see cref="McpClientHostingOptions.HealthQueueThreshold"/> of its capacity; Healthy otherwise, including before the
/// first call connects it. Never Unhealthy: a remote service being down degrades this host, it does not make it dead.
/// </summary>
internal sealed class McpServiceHealthCheck : IHealthCheck
{
    private readonly HostedMcpClient _client;
    private readonly string _service;

    /// <summary>Creates the check of <paramref name="service"/>.</summary>
    public McpServiceHealthCheck(HostedMcpClient client, string service)
    {
        _client = client;
        _service = service;
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check());

    private HealthCheckResult Check()
    {
        if (!_client.Client.GetDiagnostics().Services.TryGetValue(_service, out var service))
        {
            return HealthCheckResult.Healthy("Not connected yet: the first call connects.");
        }

        var capacity = _client.Build.For(_service).Queue.Capacity;
        var threshold = Math.Max(1, (int)Math.Ceiling(_client.Build.QueueThreshold * capacity));
        var data = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["circuitState"] = service.CircuitState.ToString(),
            ["consecutiveFailures"] = service.ConsecutiveFailures,
            ["queueDepth"] = service.QueueDepth,
            ["queueCapacity"] = capacity,
            ["queueThreshold"] = threshold,
            ["openConnections"] = service.OpenConnections,
            ["openStreams"] = service.OpenStreams,
        };

        if (service.CircuitState != CircuitState.Closed)
        {
            return HealthCheckResult.Degraded($"The circuit breaker is {service.CircuitState}: calls fail fast until a probe succeeds.", data: data);
        }

        if (service.QueueDepth >= threshold)
        {
            return HealthCheckResult.Degraded(
                string.Create(CultureInfo.InvariantCulture, $"{service.QueueDepth} calls are queued, at or above the threshold of {threshold} (capacity {capacity})."),
                data: data);
        }

        return HealthCheckResult.Healthy(
            string.Create(CultureInfo.InvariantCulture, $"Circuit closed; {service.QueueDepth} of {capacity} queue slots in use."),
            data);
    }
}
