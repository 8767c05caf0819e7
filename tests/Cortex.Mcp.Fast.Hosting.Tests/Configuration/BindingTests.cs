using System.Reflection;
using System.Security.Cryptography.X509Certificates;
using Cortex.Mcp.Fast.Hosting.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using static Cortex.Mcp.Fast.Hosting.Tests.TestHosts;

namespace Cortex.Mcp.Fast.Hosting.Tests.Configuration;

/// <summary>Configuration and code reach the client's options; services from the container are used.</summary>
public sealed class BindingTests
{
    /// <summary>Settings that hold code, not values: set in the configure delegate, never from configuration.</summary>
    private static readonly HashSet<string> s_codeOnly = new(StringComparer.Ordinal)
    {
        "Http:BearerTokenProvider",
        "Mcp:ServerRequestHandler",
        "Mcp:SamplingHandler",
        "Mcp:ElicitationHandler",
        "Mcp:RootsHandler",
        "Tls:TrustedRootCertificates",
        "Tls:RemoteCertificateValidation",
        "Tls:ClientCertificates",
    };

    [Fact]
    public async Task Build_EveryKey_ReachesItsOption()
    {
        using var host = Build(Settings(
            ("Services:memory:Endpoint", "http://127.0.0.1:9/api/mcp"),
            ("Services:memory:Protocol", "streamablehttp"),
            ("Services:memory:CallTimeout", "00:00:12"),
            ("Services:memory:Queue:WorkerCount", "3"),
            ("Services:memory:Queue:Capacity", "77"),
            ("Services:memory:Queue:FullMode", "FailFast"),
            ("Services:memory:Http:ConnectTimeout", "00:00:04"),
            ("Services:memory:Http:PooledConnectionLifetime", "00:02:00"),
            ("Services:memory:Http:MinConnections", "2"),
            ("Services:memory:Http:MaxResponseBytes", "4096"),
            ("Services:memory:Http:Engine", "direct"),
            ("Services:memory:Streams:MaxConcurrent", "6"),
            ("Services:memory:Streams:OpenTimeout", "00:00:07"),
            ("Services:memory:Streams:LineProgressTimeout", "00:00:08"),
            ("Services:memory:Streams:EventProgressTimeout", "00:00:09"),
            ("Services:memory:Streams:MaxReconnectAttempts", "2"),
            ("Services:memory:Mcp:UseStatelessRevision", "true"),
            ("Services:memory:Retry:MaxRetries", "5"),
            ("Services:memory:Retry:BaseDelay", "00:00:00.050"),
            ("Services:memory:Retry:MaxDelay", "00:00:03"),
            ("Services:memory:Retry:JitterFactor", "0.1"),
            ("Services:memory:RetryBudget:TimeToLive", "00:00:20"),
            ("Services:memory:RetryBudget:MinRetriesPerSecond", "4"),
            ("Services:memory:RetryBudget:RetryRatio", "0.5"),
            ("Services:memory:CircuitBreaker:Enabled", "false"),
            ("Services:memory:CircuitBreaker:FailureThreshold", "9"),
            ("Services:memory:CircuitBreaker:BreakDuration", "00:00:15"),
            ("Services:memory:CircuitBreaker:FailureRatio", "0.25"),
            ("Services:memory:CircuitBreaker:MinimumThroughput", "20"),
            ("Services:memory:CircuitBreaker:SamplingDuration", "00:00:40"),
            ("Services:memory:Tls:RevocationMode", "Online"),
            ("Health:QueueThreshold", "0.5")));
        await host.StartAsync(Bounded());

        var build = BuildOf(host.Services);
        var o = build.For("memory");
        Assert.Same(o, build.Options.Services["memory"]);
        Assert.Equal([new Uri("http://127.0.0.1:9/api/mcp")], build.Endpoints["memory"]);
        Assert.Equal(new Uri("http://127.0.0.1:9/api/mcp"), await build.Options.Discovery.ResolveAsync("memory"));
        Assert.Equal(McpProtocol.StreamableHttp, o.Protocol);
        Assert.Equal(TimeSpan.FromSeconds(12), o.CallTimeout);
        Assert.Equal((3, 77, QueueFullMode.FailFast), (o.Queue.WorkerCount, o.Queue.Capacity, o.Queue.FullMode));
        Assert.Equal((TimeSpan.FromSeconds(4), TimeSpan.FromMinutes(2), 2, 4096, HttpEngineKind.Direct),
            (o.Http.ConnectTimeout, o.Http.PooledConnectionLifetime, o.Http.MinConnections, o.Http.MaxResponseBytes, o.Http.Engine));
        Assert.Equal((6, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(8), (TimeSpan?)TimeSpan.FromSeconds(9), 2),
            (o.Streams.MaxConcurrent, o.Streams.OpenTimeout, o.Streams.LineProgressTimeout, o.Streams.EventProgressTimeout, o.Streams.MaxReconnectAttempts));
        Assert.True(o.Mcp.UseStatelessRevision);
        Assert.Equal((5, TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(3), 0.1),
            (o.Retry.MaxRetries, o.Retry.BaseDelay, o.Retry.MaxDelay, o.Retry.JitterFactor));
        Assert.Equal((TimeSpan.FromSeconds(20), 4, 0.5), (o.RetryBudget.TimeToLive, o.RetryBudget.MinRetriesPerSecond, o.RetryBudget.RetryRatio));
        Assert.Equal((false, 9, TimeSpan.FromSeconds(15), (double?)0.25, 20, TimeSpan.FromSeconds(40)),
            (o.CircuitBreaker.Enabled, o.CircuitBreaker.FailureThreshold, o.CircuitBreaker.BreakDuration, o.CircuitBreaker.FailureRatio,
             o.CircuitBreaker.MinimumThroughput, o.CircuitBreaker.SamplingDuration));
        Assert.Equal(X509RevocationMode.Online, o.Tls.RevocationMode);
        Assert.Equal(0.5, build.QueueThreshold);
        await host.StopAsync(Bounded());
    }

    [Fact]
    public void Settings_EveryPublicSettingOfMcpServiceOptions_HasAKeyOrIsCode()
    {
        var keys = new List<string>();
        foreach (var property in typeof(McpServiceOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var group = property.PropertyType;
            if (group.Namespace == typeof(McpServiceOptions).Namespace && group.IsClass && group.Name.EndsWith("Options", StringComparison.Ordinal))
            {
                keys.AddRange(group.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => p.SetMethod is { IsPublic: true })
                    .Select(p => $"{property.Name}:{p.Name}"));
            }
            else if (property.SetMethod is { IsPublic: true })
            {
                keys.Add(property.Name);
            }
        }

        Assert.Contains("Queue:WorkerCount", keys); // the walk itself reaches the groups
        // A setting may be a group of keys of its own (Http:Proxy -> Http:Proxy:Address, Http:Proxy:UserName...).
        var missing = keys.Where(k => !ServiceSettings.Appliers.ContainsKey(k) && !s_codeOnly.Contains(k)
            && !ServiceSettings.Appliers.Keys.Any(a => a.StartsWith(k + ":", StringComparison.Ordinal))).ToList();
        Assert.Empty(missing);
        Assert.All(ServiceSettings.Appliers.Keys, k => Assert.True(keys.Contains(k) || keys.Contains(k[..k.LastIndexOf(':')]), k));
    }

    [Fact]
    public async Task Build_Defaults_ApplyToServicesAndTheirOwnValuesWin()
    {
        using var host = Build(Settings(
            ("Defaults:CallTimeout", "00:00:05"),
            ("Defaults:Queue:WorkerCount", "2"),
            ("Services:a:Endpoint", "http://127.0.0.1:9/"),
            ("Services:b:Endpoint", "http://127.0.0.1:10/"),
            ("Services:b:Queue:WorkerCount", "4")));
        await host.StartAsync(Bounded());

        var build = BuildOf(host.Services);
        Assert.Equal((TimeSpan.FromSeconds(5), 2), (build.For("a").CallTimeout, build.For("a").Queue.WorkerCount));
        Assert.Equal((TimeSpan.FromSeconds(5), 4), (build.For("b").CallTimeout, build.For("b").Queue.WorkerCount));
        Assert.Equal((TimeSpan.FromSeconds(5), 2), (build.For("unlisted").CallTimeout, build.For("unlisted").Queue.WorkerCount));
        Assert.Same(build.Options.DefaultServiceOptions, build.For("unlisted"));
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Build_EmptyValue_LeavesDefaultOrClearsNullable()
    {
        using var host = Build(Settings(
            ("Defaults:Streams:EventProgressTimeout", "00:00:09"),
            ("Services:a:Queue:WorkerCount", ""),
            ("Services:a:Streams:EventProgressTimeout", "")));
        await host.StartAsync(Bounded());

        var a = BuildOf(host.Services).For("a");
        Assert.Equal(8, a.Queue.WorkerCount);
        Assert.Null(a.Streams.EventProgressTimeout);
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Build_ContainerServices_AreUsedAndConfigureRunsLast()
    {
        var time = new FakeTimeProvider();
        using var loggers = new LoggerFactory();
        var seenWorkers = 0;
        using var host = Build(
            Settings(("Services:a:Queue:WorkerCount", "3")),
            configure: o =>
            {
                seenWorkers = o.Services["a"].Queue.WorkerCount; // configuration was applied before
                o.Services["a"].Queue.WorkerCount = 5;
            },
            services: s => s.AddSingleton<TimeProvider>(time).AddSingleton<ILoggerFactory>(loggers));
        await host.StartAsync(Bounded());

        var build = BuildOf(host.Services);
        Assert.Same(time, build.Options.TimeProvider);
        Assert.Same(loggers, build.Options.LoggerFactory);
        Assert.Equal(3, seenWorkers);
        Assert.Equal(5, build.For("a").Queue.WorkerCount);
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Build_NoContainerServices_UsesSystemTimeAndNoLogging()
    {
        var services = new ServiceCollection();
        services.AddNetworkMcpClient(o => o.DefaultServiceOptions.CallTimeout = TimeSpan.FromSeconds(3));
        await using var provider = services.BuildServiceProvider();

        var build = BuildOf(provider);
        Assert.Same(TimeProvider.System, build.Options.TimeProvider);
        Assert.Null(build.Options.LoggerFactory);
        Assert.Equal(TimeSpan.FromSeconds(3), build.Options.DefaultServiceOptions.CallTimeout);
        Assert.Same(provider.GetRequiredService<NetworkMcpClient>(), provider.GetRequiredService<NetworkMcpClient>());
    }

    [Fact]
    public async Task Resolve_WithoutAHost_InvalidSettingsThrowOnFirstResolution()
    {
        var services = new ServiceCollection();
        services.AddNetworkMcpClient(new ConfigurationBuilder().AddInMemoryCollection(Settings(("Services:a:Queue:Capacity", "0"))).Build().GetSection("Mcp"));
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => provider.GetRequiredService<NetworkMcpClient>());
        Assert.Equal("Mcp:Services:a:Queue:Capacity: '0' is out of range: Capacity must be between 1 and 1048576.", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task AddNetworkMcpClient_NamedClients_AreSeparateKeyedSingletons()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mcp:Services:a:Queue:WorkerCount"] = "2",
            ["Orders:Services:a:Queue:WorkerCount"] = "6",
            ["Orders:Services:a:Queue:Capacity"] = "zero",
        });
        builder.Services.AddNetworkMcpClient(builder.Configuration.GetSection("Mcp"));
        builder.Services.AddNetworkMcpClient("orders", builder.Configuration.GetSection("Orders"));
        using var host = builder.Build();

        // The named client's bad value stops the host too, under its own section's path.
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => host.StartAsync(Bounded()));
        Assert.Equal("Orders:Services:a:Queue:Capacity: 'zero' must be an integer.", Assert.Single(error.Failures));

        builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Mcp:Services:a:Queue:WorkerCount"] = "2",
            ["Orders:Services:a:Queue:WorkerCount"] = "6",
        });
        builder.Services.AddNetworkMcpClient(builder.Configuration.GetSection("Mcp"));
        builder.Services.AddNetworkMcpClient("orders", builder.Configuration.GetSection("Orders"));
        using var good = builder.Build();
        await good.StartAsync(Bounded());

        var main = good.Services.GetRequiredService<NetworkMcpClient>();
        var orders = good.Services.GetRequiredKeyedService<NetworkMcpClient>("orders");
        Assert.NotSame(main, orders);
        Assert.Same(orders, good.Services.GetRequiredKeyedService<NetworkMcpClient>("orders"));
        Assert.Equal(2, BuildOf(good.Services).For("a").Queue.WorkerCount);
        Assert.Equal(6, BuildOf(good.Services, "orders").For("a").Queue.WorkerCount);
        await good.StopAsync(Bounded());
    }

    [Fact]
    public void AddNetworkMcpClient_SameNameTwice_Throws()
    {
        var services = new ServiceCollection();
        services.AddNetworkMcpClient(_ => { });
        services.AddNetworkMcpClient("x", new ConfigurationBuilder().Build());

        var defaultTwice = Assert.Throws<InvalidOperationException>(() => services.AddNetworkMcpClient(_ => { }));
        Assert.Equal("The default NetworkMcpClient is already registered; give a second client a name.", defaultTwice.Message);
        var namedTwice = Assert.Throws<InvalidOperationException>(() => services.AddNetworkMcpClient("x", new ConfigurationBuilder().Build()));
        Assert.Equal("A NetworkMcpClient named 'x' is already registered.", namedTwice.Message);
        Assert.Throws<ArgumentException>(() => services.AddNetworkMcpClient("", new ConfigurationBuilder().Build()));
    }

    [Fact]
    public void HealthQueueThreshold_OutOfRange_Throws()
    {
        var options = new McpClientHostingOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.HealthQueueThreshold = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => options.HealthQueueThreshold = 1.01);
        options.HealthQueueThreshold = 1;
        Assert.Equal(1, options.HealthQueueThreshold);
    }

    [Fact]
    public void RuleMessage_StripsTheRuntimeSuffixes()
    {
        Assert.Equal("X must be 1.", ClientOptionsBuilder.RuleMessage(new ArgumentOutOfRangeException("value", 5, "X must be 1.")));
        Assert.Equal("Y is bad.", ClientOptionsBuilder.RuleMessage(new ArgumentException("Y is bad.", "endpoint")));
        Assert.Equal("Z.", ClientOptionsBuilder.RuleMessage(new ArgumentException("Z.")));
    }

    [Fact]
    public async Task Build_EndpointPolicy_FromDefaults_AndAServiceOwnValueWins()
    {
        using var host = Build(Settings(
            ("Defaults:EndpointPolicy", "PublicOnly"),
            ("Services:memory:Endpoint", "http://93.184.216.34:9/"),
            ("Services:memory:CallTimeout", "00:00:05"),
            ("Services:docs:Endpoint", "http://127.0.0.1:9/"),
            ("Services:docs:EndpointPolicy", "any")));
        await host.StartAsync(Bounded());

        var build = BuildOf(host.Services);
        Assert.Equal(EndpointPolicy.PublicOnly, build.For("memory").EndpointPolicy);
        Assert.Equal(EndpointPolicy.Any, build.For("docs").EndpointPolicy);
        await host.StopAsync(Bounded());
    }
}
