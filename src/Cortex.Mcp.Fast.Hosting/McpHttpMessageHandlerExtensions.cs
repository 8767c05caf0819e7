using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Cortex.Mcp.Fast.Hosting;

/// <summary>
/// Adds your own <see cref="DelegatingHandler"/>s from the container to one service's HTTP pipeline
/// (<see cref="HttpOptions.MessageHandlers"/>), over the library's primary handler.
/// </summary>
/// <remarks>
/// <para>Call after <c>AddNetworkMcpClient</c>. The handler is resolved from the container once per endpoint of
/// the service, when the endpoint is created (register it transient; it is registered so when it is not registered
/// yet). Handlers run in the order they are added, the first one outermost.</para>
/// <para>The service must have settings of its own (<c>Mcp:Services:{service}</c> in configuration, or an entry the
/// <c>configure</c> delegate adds): otherwise, and for a service on the direct engine (which has no handler
/// pipeline), the host fails to start with an error naming the service.</para>
/// </remarks>
public static class McpHttpMessageHandlerExtensions
{
    /// <summary>Adds <typeparamref name="THandler"/> to <paramref name="service"/>'s pipeline in the default client.</summary>
    /// <exception cref="ArgumentException"><paramref name="service"/> is empty.</exception>
    public static IServiceCollection AddMcpHttpMessageHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IServiceCollection services, string service)
        where THandler : DelegatingHandler =>
        AddMcpHttpMessageHandler<THandler>(services, Options.DefaultName, service);

    /// <summary>Adds <typeparamref name="THandler"/> to <paramref name="service"/>'s pipeline in the client named
    /// <paramref name="clientName"/> (<see cref="Options.DefaultName"/> for the default client).</summary>
    /// <exception cref="ArgumentException"><paramref name="service"/> is empty.</exception>
    public static IServiceCollection AddMcpHttpMessageHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(
        this IServiceCollection services, string clientName, string service)
        where THandler : DelegatingHandler
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(clientName);
        ArgumentException.ThrowIfNullOrEmpty(service);
        services.TryAddTransient<THandler>();
        services.AddOptions<McpClientHostingOptions>(clientName).Configure<IServiceProvider>((hosting, provider) => hosting.ConfigureClient.Add(options =>
        {
            if (!options.Services.TryGetValue(service, out var serviceOptions))
            {
                throw new ArgumentException(
                    $"AddMcpHttpMessageHandler<{typeof(THandler).Name}>: service '{service}' has no settings of its own; list it under Services (or add it to NetworkMcpClientOptions.Services) first.",
                    nameof(service));
            }

            serviceOptions.Http.MessageHandlers.Add(() => provider.GetRequiredService<THandler>());
        }));
        return services;
    }
}
