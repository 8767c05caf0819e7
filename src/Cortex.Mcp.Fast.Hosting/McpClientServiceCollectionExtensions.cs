using Cortex.Mcp.Fast.Hosting.Configuration;
using Cortex.Mcp.Fast.Hosting.Health;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cortex.Mcp.Fast.Hosting;

/// <summary>
/// Registers a <see cref="NetworkMcpClient"/> in a service collection: one singleton per client, built from
/// configuration (<c>Mcp:Services:{name}:…</c>) and code, validated when the host starts, with a health check per
/// configured service.
/// </summary>
/// <remarks>
/// <para>The client takes <see cref="ILoggerFactory"/>, <see cref="TimeProvider"/> and
/// <see cref="System.Diagnostics.Metrics.IMeterFactory"/> from the container when they are registered (else no
/// logging, <see cref="TimeProvider.System"/> and the static meter); a <c>configure</c> delegate may still replace
/// them. Its meter and activity source are named <see cref="Diagnostics.McpTelemetry.Name"/>.</para>
/// <para>Settings are read once, when the client is first resolved; a service keeps that snapshot while it runs.
/// Only <c>Services:{name}:Endpoint</c> is followed on configuration reload (see
/// <see cref="McpClientHostingOptions"/>).</para>
/// <para>Health checks: one per service listed in configuration or added to
/// <see cref="NetworkMcpClientOptions.Services"/> by the <c>configure</c> delegate, named <c>mcp:{service}</c> for the
/// default client and <c>mcp:{client}:{service}</c> for a named one, tagged <see cref="HealthCheckTag"/>.</para>
/// </remarks>
public static class McpClientServiceCollectionExtensions
{
    /// <summary>The tag of every health check these methods register.</summary>
    public const string HealthCheckTag = "mcp";

    /// <summary>Adds the default client (resolve <see cref="NetworkMcpClient"/>), configured from
    /// <paramref name="configuration"/> (usually <c>builder.Configuration.GetSection("Mcp")</c>).</summary>
    /// <exception cref="InvalidOperationException">A default client is already registered.</exception>
    public static IServiceCollection AddNetworkMcpClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Add(services, Options.DefaultName, configuration, configure: null);
    }

    /// <summary>Adds the default client, configured from <paramref name="configuration"/> and then by
    /// <paramref name="configure"/>.</summary>
    /// <exception cref="InvalidOperationException">A default client is already registered.</exception>
    public static IServiceCollection AddNetworkMcpClient(this IServiceCollection services, IConfiguration configuration, Action<NetworkMcpClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(configure);
        return Add(services, Options.DefaultName, configuration, configure);
    }

    /// <summary>Adds the default client, configured by code only.</summary>
    /// <exception cref="InvalidOperationException">A default client is already registered.</exception>
    public static IServiceCollection AddNetworkMcpClient(this IServiceCollection services, Action<NetworkMcpClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return Add(services, Options.DefaultName, configuration: null, configure);
    }

    /// <summary>Adds a named client, resolved as a keyed service: <c>[FromKeyedServices("name")] NetworkMcpClient</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A client with this name is already registered.</exception>
    public static IServiceCollection AddNetworkMcpClient(this IServiceCollection services, string name, IConfiguration configuration)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configuration);
        return Add(services, name, configuration, configure: null);
    }

    /// <summary>Adds a named client (a keyed service), configured from <paramref name="configuration"/> and then by
    /// <paramref name="configure"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty.</exception>
    /// <exception cref="InvalidOperationException">A client with this name is already registered.</exception>
    public static IServiceCollection AddNetworkMcpClient(this IServiceCollection services, string name, IConfiguration configuration, Action<NetworkMcpClientOptions> configure)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(configure);
        return Add(services, name, configuration, configure);
    }

    private static IServiceCollection Add(IServiceCollection services, string name, IConfiguration? configuration, Action<NetworkMcpClientOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(d => d.IsKeyedService && d.ServiceType == typeof(HostedMcpClient) && Equals(d.ServiceKey, name)))
        {
            throw new InvalidOperationException(name.Length == 0
                ? "The default NetworkMcpClient is already registered; give a second client a name."
                : $"A NetworkMcpClient named '{name}' is already registered.");
        }

        var options = services.AddOptions<McpClientHostingOptions>(name);
        if (configuration is not null)
        {
            options.Configure(o => o.Configuration = configuration);
        }

        if (configure is not null)
        {
            options.Configure(o => o.ConfigureClient.Add(configure));
        }

        // Built after every Configure (including the user's own services.Configure<McpClientHostingOptions> calls),
        // checked by the validator, at start-up.
        options.PostConfigure<IServiceProvider>((o, provider) => o.Build = ClientOptionsBuilder.Build(
            o, provider.GetService<TimeProvider>() ?? TimeProvider.System, provider.GetService<ILoggerFactory>(), provider.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<McpClientHostingOptions>, McpClientHostingOptionsValidator>());

        services.AddKeyedSingleton(name, (provider, _) => new HostedMcpClient(
            name, provider.GetRequiredService<IOptionsMonitor<McpClientHostingOptions>>(), provider.GetService<ILoggerFactory>()));
        if (name.Length == 0)
        {
            services.AddSingleton(provider => provider.GetRequiredKeyedService<HostedMcpClient>(name).Client);
        }
        else
        {
            services.AddKeyedSingleton(name, (provider, _) => provider.GetRequiredKeyedService<HostedMcpClient>(name).Client);
        }

        services.AddHealthChecks();
        services.AddOptions<HealthCheckServiceOptions>().Configure<IOptionsMonitor<McpClientHostingOptions>>((health, monitor) =>
        {
            foreach (var service in monitor.Get(name).Build!.Options.Services.Keys)
            {
                health.Registrations.Add(new HealthCheckRegistration(
                    name.Length == 0 ? $"mcp:{service}" : $"mcp:{name}:{service}",
                    provider => new McpServiceHealthCheck(provider.GetRequiredKeyedService<HostedMcpClient>(name), service),
                    failureStatus: null,
                    tags: [HealthCheckTag]));
            }
        });

        return services;
    }
}
