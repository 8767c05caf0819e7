using Cortex.Mcp.Fast.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cortex.Mcp.Fast.Hosting.Tests;

/// <summary>Generic hosts over in-memory configuration (no appsettings, no environment variables), one per test.</summary>
internal static class TestHosts
{
    /// <summary>Every test's time bound.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>A host whose default client reads the <c>Mcp</c> section of <paramref name="settings"/>.</summary>
    public static IHost Build(IEnumerable<KeyValuePair<string, string?>> settings, Action<NetworkMcpClientOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        var section = builder.Configuration.GetSection("Mcp");
        if (configure is null)
        {
            builder.Services.AddNetworkMcpClient(section);
        }
        else
        {
            builder.Services.AddNetworkMcpClient(section, configure);
        }

        services?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>Settings from <c>key=value</c> pairs, each key under <c>Mcp:</c>.</summary>
    public static Dictionary<string, string?> Settings(params (string Key, string? Value)[] pairs) =>
        pairs.ToDictionary(p => "Mcp:" + p.Key, p => p.Value);

    /// <summary>The settings the default client was built from (an internal of the hosting package).</summary>
    public static Cortex.Mcp.Fast.Hosting.Configuration.ClientBuild BuildOf(IServiceProvider services, string name = "") =>
        services.GetRequiredKeyedService<HostedMcpClient>(name).Build;

    /// <summary>A token that ends the test after <see cref="Timeout"/>.</summary>
    public static CancellationToken Bounded() => new CancellationTokenSource(Timeout).Token;
}
