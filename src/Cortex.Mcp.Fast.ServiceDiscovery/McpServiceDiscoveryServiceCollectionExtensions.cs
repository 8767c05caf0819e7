using Cortex.Mcp.Fast.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.ServiceDiscovery;

namespace Cortex.Mcp.Fast.ServiceDiscovery;

/// <summary>
/// Puts a hosted <see cref="NetworkMcpClient"/> (one added by
/// <see cref="McpClientServiceCollectionExtensions.AddNetworkMcpClient(IServiceCollection, Microsoft.Extensions.Configuration.IConfiguration)"/>)
/// on a discovery source in one line: <c>services.AddNetworkMcpClient(section).UseServiceDiscovery()</c> or
/// <c>.UseDnsSrvDiscovery(o => o.QueryNameFormat = "_mcp._tcp.{0}.shop.svc.cluster.local")</c>.
/// </summary>
/// <remarks>
/// <para>The source replaces the client's built-in registry (<see cref="NetworkMcpClientOptions.Discovery"/>), so
/// endpoints come from it alone: a <c>Services:{name}:Endpoint</c> key in the client's configuration is then a
/// start-up error, while the other per-service settings (queue, retry, protocol…) still apply.</para>
/// <para>The source is a keyed singleton (the client's name as key), built when the client is, with the container's
/// <see cref="TimeProvider"/> and <see cref="ILoggerFactory"/>, and disposed with the container.</para>
/// </remarks>
public static class McpServiceDiscoveryServiceCollectionExtensions
{
    /// <summary>Finds the default client's services through Microsoft.Extensions.ServiceDiscovery: registers
    /// <c>AddServiceDiscoveryCore()</c> and its configuration provider (<c>Services:{service}:https:0 = …</c> at
    /// the configuration root), and a <see cref="MicrosoftServiceDiscovery"/> as the client's discovery, looking each
    /// service up as <c>https+http://{service}</c>.</summary>
    /// <param name="services">The services, after <c>AddNetworkMcpClient</c>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection UseServiceDiscovery(this IServiceCollection services) =>
        UseServiceDiscovery(services, Options.DefaultName, configure: null);

    /// <summary>Finds the default client's services through Microsoft.Extensions.ServiceDiscovery, with the service
    /// addresses set by <paramref name="configure"/> (for example
    /// <c>o.Addresses["catalog"] = "https+http://catalog/mcp"</c>); see <see cref="UseServiceDiscovery(IServiceCollection)"/>.</summary>
    /// <param name="services">The services, after <c>AddNetworkMcpClient</c>.</param>
    /// <param name="configure">Sets the service addresses.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection UseServiceDiscovery(this IServiceCollection services, Action<MicrosoftServiceDiscoveryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        return UseServiceDiscovery(services, Options.DefaultName, configure);
    }

    /// <summary>Finds the services of the client named <paramref name="clientName"/> (<see cref="Options.DefaultName"/>
    /// for the default one) through Microsoft.Extensions.ServiceDiscovery; see
    /// <see cref="UseServiceDiscovery(IServiceCollection)"/>.</summary>
    /// <param name="services">The services, after <c>AddNetworkMcpClient</c>.</param>
    /// <param name="clientName">The client's name.</param>
    /// <param name="configure">Sets the service addresses; null for <c>https+http://{service}</c>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection UseServiceDiscovery(this IServiceCollection services, string clientName, Action<MicrosoftServiceDiscoveryOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(clientName);
        if (!services.Any(d => d.ServiceType == typeof(MicrosoftProvidersAdded)))
        {
            // Once per container: a second configuration provider would only repeat the first one's lookups.
            services.AddSingleton<MicrosoftProvidersAdded>();
            services.AddServiceDiscoveryCore();
            services.AddConfigurationServiceEndpointProvider();
        }

        return Use(services, clientName, provider =>
        {
            var options = new MicrosoftServiceDiscoveryOptions();
            configure?.Invoke(options);
            return new MicrosoftServiceDiscovery(
                provider.GetRequiredService<ServiceEndpointResolver>(), options, provider.GetService<TimeProvider>(),
                provider.GetService<ILoggerFactory>()?.CreateLogger<MicrosoftServiceDiscovery>());
        });
    }

    /// <summary>Finds the default client's services in DNS SRV records with a <see cref="DnsSrvServiceDiscovery"/>.</summary>
    /// <param name="services">The services, after <c>AddNetworkMcpClient</c>.</param>
    /// <param name="configure">Sets the query names, name servers, scheme, path and limits.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection UseDnsSrvDiscovery(this IServiceCollection services, Action<DnsSrvDiscoveryOptions> configure) =>
        UseDnsSrvDiscovery(services, Options.DefaultName, configure);

    /// <summary>Finds the services of the client named <paramref name="clientName"/> in DNS SRV records; see
    /// <see cref="UseDnsSrvDiscovery(IServiceCollection, Action{DnsSrvDiscoveryOptions})"/>.</summary>
    /// <param name="services">The services, after <c>AddNetworkMcpClient</c>.</param>
    /// <param name="clientName">The client's name.</param>
    /// <param name="configure">Sets the query names, name servers, scheme, path and limits.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection UseDnsSrvDiscovery(this IServiceCollection services, string clientName, Action<DnsSrvDiscoveryOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(clientName);
        ArgumentNullException.ThrowIfNull(configure);
        return Use(services, clientName, provider =>
        {
            var options = new DnsSrvDiscoveryOptions();
            configure(options);
            return new DnsSrvServiceDiscovery(options, provider.GetService<TimeProvider>(),
                provider.GetService<ILoggerFactory>()?.CreateLogger<DnsSrvServiceDiscovery>());
        });
    }

    private static IServiceCollection Use<TDiscovery>(IServiceCollection services, string clientName, Func<IServiceProvider, TDiscovery> create)
        where TDiscovery : class, IServiceDiscovery
    {
        services.AddKeyedSingleton<IServiceDiscovery>(new DiscoveryKey(clientName), (provider, _) => create(provider));

        // The client's options are built in a PostConfigure, after every Configure: the delegate added here runs then,
        // with the container at hand, like a user's own configure delegate.
        services.AddOptions<McpClientHostingOptions>(clientName).Configure<IServiceProvider>((hosting, provider) =>
            hosting.ConfigureClient.Add(client => client.Discovery = provider.GetRequiredKeyedService<IServiceDiscovery>(new DiscoveryKey(clientName))));
        return services;
    }

    /// <summary>The key of a client's discovery source: its own type, so no user registration is taken for it.</summary>
    private sealed record DiscoveryKey(string ClientName);

    /// <summary>Marks a container where the Microsoft providers were added.</summary>
    private sealed class MicrosoftProvidersAdded;
}
