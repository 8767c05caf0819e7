using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop;

/// <summary>
/// The official C# SDK server (<c>ModelContextProtocol.AspNetCore</c>) in Kestrel on 127.0.0.1 with a port
/// chosen by the OS, serving <see cref="SdkInteropTools"/> and <see cref="SdkInteropResources"/> at <c>/mcp</c>.
/// Subclasses pick the session mode.
/// </summary>
public abstract class SdkServerFixture : IAsyncLifetime
{
    private readonly HttpServerSessionMode _mode;
    private readonly ConcurrentDictionary<string, McpServer> _subscribed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _subscribeSignals = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _unsubscribeSignals = new(StringComparer.Ordinal);
    private WebApplication? _app;

    /// <summary>Creates a fixture for one session mode.</summary>
    protected SdkServerFixture(HttpServerSessionMode mode) => _mode = mode;

    /// <summary>True when the server keeps no sessions (no Mcp-Session-Id; GET and DELETE disabled).</summary>
    public bool Stateless => _mode == HttpServerSessionMode.Stateless;

    /// <summary>The MCP endpoint, <c>http://127.0.0.1:{port}/mcp</c>.</summary>
    public Uri Endpoint { get; private set; } = null!;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SdkServerFixture).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        // Port 0: Kestrel binds a free loopback port itself, so there is no bind race here.
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services
            .AddMcpServer(o => o.ServerInfo = new Implementation { Name = "cortex-interop-sdk", Version = "1.0.0" })
            .WithHttpTransport(o => o.SessionMode = _mode)
            .WithTools<SdkInteropTools>()
            .WithResources<SdkInteropResources>()
            .WithSubscribeToResourcesHandler((request, _) =>
            {
                var uri = request.Params!.Uri;
                _subscribed[uri] = request.Server;
                Signal(_subscribeSignals, uri).TrySetResult();
                return ValueTask.FromResult(new EmptyResult());
            })
            .WithUnsubscribeFromResourcesHandler((request, _) =>
            {
                var uri = request.Params!.Uri;
                _subscribed.TryRemove(uri, out var _);
                Signal(_unsubscribeSignals, uri).TrySetResult();
                return ValueTask.FromResult(new EmptyResult());
            });

        _app = builder.Build();
        _app.MapMcp("/mcp");
        await _app.StartAsync();

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Endpoint = new Uri(new Uri(address), "/mcp");
    }

    /// <summary>Completes once a client subscribed to <paramref name="uri"/> (use a URI per test).</summary>
    public Task Subscribed(string uri) => Signal(_subscribeSignals, uri).Task;

    /// <summary>Completes once a client unsubscribed from <paramref name="uri"/>.</summary>
    public Task Unsubscribed(string uri) => Signal(_unsubscribeSignals, uri).Task;

    /// <summary>Sends <c>notifications/resources/updated</c> through the session that subscribed to <paramref name="uri"/>.</summary>
    /// <returns>False when no session is subscribed to it.</returns>
    public async Task<bool> NotifyResourceUpdatedAsync(string uri)
    {
        if (!_subscribed.TryGetValue(uri, out var server))
        {
            return false;
        }

        await server.SendNotificationAsync(NotificationMethods.ResourceUpdatedNotification, new ResourceUpdatedNotificationParams { Uri = uri });
        return true;
    }

    /// <summary>Sends <c>notifications/tools/list_changed</c> through the session that subscribed to <paramref name="uri"/>.</summary>
    public async Task SendToolsListChangedAsync(string uri) =>
        await _subscribed[uri].SendNotificationAsync(NotificationMethods.ToolListChangedNotification);

    /// <summary>Sends a server→client <c>ping</c> through the session that subscribed to <paramref name="uri"/>
    /// (outside any request, so it travels on the standalone stream) and returns the client's response.</summary>
    public async Task<JsonRpcResponse> PingClientAsync(string uri, CancellationToken cancellationToken) =>
        await _subscribed[uri].SendRequestAsync(new JsonRpcRequest { Method = RequestMethods.Ping }, cancellationToken);

    private static TaskCompletionSource Signal(ConcurrentDictionary<string, TaskCompletionSource> signals, string uri) =>
        signals.GetOrAdd(uri, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _app.StopAsync(cts.Token);
            await _app.DisposeAsync();
        }
    }
}

/// <summary>C# SDK server keeping a session per client (initialize → Mcp-Session-Id).</summary>
public sealed class SdkStatefulServerFixture() : SdkServerFixture(HttpServerSessionMode.Stateful);

/// <summary>C# SDK server without sessions (also answers 2026-07-28 per-request-metadata requests).</summary>
public sealed class SdkStatelessServerFixture() : SdkServerFixture(HttpServerSessionMode.Stateless);
