using System.ComponentModel;
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

namespace Cortex.Mcp.Fast.Bench.Infrastructure;

/// <summary>
/// The official C# MCP SDK server (<c>ModelContextProtocol.AspNetCore</c>), stateless, in Kestrel on 127.0.0.1 with
/// a port the OS picks, serving one <c>echo</c> tool at <c>/mcp</c> — set up as the interop tests host it. The
/// headline's <c>*-sdkserver</c> contenders call it; the bench's <c>serve --sdk-server</c> runs it beside the
/// embedded test service.
/// </summary>
public sealed class SdkServerHost : IAsyncDisposable
{
    /// <summary>The prefix of the line <c>serve --sdk-server</c> prints (before <c>LISTENING</c>).</summary>
    public const string ListeningPrefix = "SDKSERVER ";

    private readonly WebApplication _app;

    private SdkServerHost(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    /// <summary>The MCP endpoint, <c>http://127.0.0.1:{port}/mcp</c>.</summary>
    public Uri Endpoint { get; }

    public static async Task<SdkServerHost> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(SdkServerHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services
            .AddMcpServer(o => o.ServerInfo = new Implementation { Name = "cortex-bench-sdk", Version = "1.0.0" })
            .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateless)
            .WithTools<SdkServerTools>();
        var app = builder.Build();
        app.MapMcp("/mcp");
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new SdkServerHost(app, new Uri(new Uri(address), "/mcp"));
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The SDK server's one tool: takes the bench's arguments object and returns its text.</summary>
[McpServerToolType]
public sealed class SdkServerTools
{
    [McpServerTool(Name = "echo"), Description("Returns the text argument")]
    public static string Echo([Description("Text to return")] string text, [Description("A number")] int n) => text;
}
