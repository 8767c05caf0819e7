using Cortex.Mcp.Fast.Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Cortex.Mcp.Fast.Hosting;

/// <summary>
/// One hosted client (a keyed singleton per client name): the <see cref="NetworkMcpClient"/>, the settings it was
/// built from, and the subscription that follows endpoint changes in configuration.
/// </summary>
/// <remarks>Settings other than endpoints are read once, here: the core snapshots a service's settings when it first
/// connects and reads its options' dictionary without a lock, so they are not changed under a running client.
/// Reload callbacks are serialised by <see cref="_reloadLock"/>.</remarks>
internal sealed class HostedMcpClient : IAsyncDisposable
{
    private readonly string _name;
    private readonly ILogger _logger;
    private readonly IDisposable? _reloadSubscription;
    private readonly Lock _reloadLock = new();

    /// <summary>The endpoints last registered from configuration; guarded by <see cref="_reloadLock"/>.</summary>
    private Dictionary<string, Uri[]> _endpoints;

    /// <summary>Builds the client from the validated options of <paramref name="name"/>.</summary>
    /// <exception cref="OptionsValidationException">The options are invalid (when the host did not validate them at start).</exception>
    public HostedMcpClient(string name, IOptionsMonitor<McpClientHostingOptions> monitor, ILoggerFactory? loggerFactory)
    {
        _name = name;
        _logger = loggerFactory?.CreateLogger<HostedMcpClient>() ?? NullLogger<HostedMcpClient>.Instance;
        var options = monitor.Get(name);
        Build = options.Build ?? throw new InvalidOperationException($"The options of MCP client '{name}' were not built.");
        _endpoints = new Dictionary<string, Uri[]>(Build.Endpoints, StringComparer.Ordinal);
        Client = new NetworkMcpClient(Build.Options);
        if (options.Configuration is { } configuration && Build.ConfiguredDiscovery is { } discovery)
        {
            _reloadSubscription = ChangeToken.OnChange(configuration.GetReloadToken, () => OnReload(configuration, discovery));
        }
    }

    /// <summary>Gets the client.</summary>
    public NetworkMcpClient Client { get; }

    /// <summary>Gets the settings the client was built from.</summary>
    public ClientBuild Build { get; }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _reloadSubscription?.Dispose();
        return Client.DisposeAsync(); // idempotent: the container may dispose the same client as a NetworkMcpClient too
    }

    /// <summary>Moves services whose configured endpoint changed; a reload with a bad endpoint changes nothing.</summary>
    private void OnReload(IConfiguration configuration, InMemoryServiceDiscovery discovery)
    {
        var errors = new List<string>();
        var endpoints = ClientOptionsBuilder.ReadEndpoints(configuration, errors);
        if (errors.Count > 0)
        {
            Log.ReloadRejected(_logger, _name, string.Join(" ", errors));
            return;
        }

        lock (_reloadLock)
        {
            foreach (var (service, endpoint) in endpoints)
            {
                if (!_endpoints.TryGetValue(service, out var old) || !old.SequenceEqual(endpoint))
                {
                    // The in-memory registry completes synchronously; its EndpointChanged moves the running service.
                    discovery.RegisterAsync(service, endpoint).AsTask().GetAwaiter().GetResult();
                    Log.EndpointChanged(_logger, _name, service);
                }
            }

            foreach (var service in _endpoints.Keys)
            {
                if (!endpoints.ContainsKey(service))
                {
                    discovery.DeregisterAsync(service).AsTask().GetAwaiter().GetResult();
                    Log.EndpointRemoved(_logger, _name, service);
                }
            }

            _endpoints = endpoints;
        }
    }
}
