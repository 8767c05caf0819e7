using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace Cortex.Mcp.Fast.IntegrationTests.Interop;

/// <summary>
/// The official C# SDK server (<c>ModelContextProtocol.AspNetCore</c>) in Kestrel on 127.0.0.1 with a port
/// chosen by the OS, serving <see cref="SdkInteropTools"/> and <see cref="SdkInteropResources"/> at <c>/mcp</c>.
/// Subclasses pick the session mode.
/// </summary>
public abstract class SdkServerFixture : IAsyncLifetime
{
    private readonly HttpServerSessionMode _mode;
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
            .WithResources<SdkInteropResources>();

        _app = builder.Build();
        _app.MapMcp("/mcp");
        await _app.StartAsync();

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        Endpoint = new Uri(new Uri(address), "/mcp");
    }

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
