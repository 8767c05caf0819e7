using System.Net;
using Cortex.Mcp.Fast.Testing.Internal;
using Cortex.Mcp.Fast.Testing.Rest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// A real loopback MCP service (Kestrel on 127.0.0.1) speaking the Cortex REST+SSE protocol and MCP Streamable HTTP
/// (JSON-RPC 2.0 at <c>/mcp</c>, see <see cref="Mcp"/>), with scripted faults and counters. Start one per test with <see cref="StartAsync"/>; dispose it when done.
/// </summary>
/// <remarks>
/// <para>Tools (<c>POST /tool/{name}</c>, JSON object body):</para>
/// <list type="bullet">
/// <item><c>echo</c>: <c>{"echo": &lt;the arguments, verbatim&gt;}</c>.</item>
/// <item><c>add</c>: <c>{"a":1,"b":2}</c> → <c>{"result":3}</c> (doubles allowed).</item>
/// <item><c>sleep</c>: <c>{"ms":200}</c> → waits, then <c>{"slept":200}</c>; a client abort ends the wait.</item>
/// <item><c>fail</c>: <c>{"status":503,"retryAfter":"1","detail":"...","form":"json|message|text|html|empty"}</c>
/// → that error.</item>
/// <item><c>flaky</c>: <c>{"failures":N,"status":503,"key":"k"}</c> → the first N calls for the key fail, later
/// ones answer <c>{"attempt":n,"key":"k"}</c>.</item>
/// <item><c>count</c>: <c>{"total":n,"tools":{...}}</c>, the tool requests received so far.</item>
/// </list>
/// <para>Unknown tool: <c>404 {"detail":"Unknown tool: x"}</c>. Body that is not one JSON object: <c>400</c>.</para>
/// <para>Resources (<c>GET /resource/{*path}</c>, <c>text/event-stream</c>): <c>events/{n}</c>,
/// <c>slow/{n}/{ms}</c>, <c>cut/{n}[/{total}]</c>, <c>invalid/{n}</c>, <c>endless[/{ms}]</c>; each event has
/// <c>id: i</c> and <c>data: {"index":i,...}</c>; <c>Last-Event-ID</c> resumes at the next index. <c>cut</c> ends
/// the whole connection (over HTTP/2, every stream on it).</para>
/// <para>MCP Streamable HTTP (<c>POST/GET/DELETE /mcp</c>, <see cref="TestMcpEndpoint"/>): the same tools as
/// <c>tools/call</c> (<c>echo</c> with <c>structuredContent {"echo": args}</c>, <c>add</c>, <c>sleep</c>,
/// <c>fail</c> → <c>isError</c>, <c>progress</c> → <c>notifications/progress</c>, <c>flaky</c>), counted per tool
/// name with the same faults; <c>resources/read</c> of <c>test://text/{n}</c> and <c>test://blob/{n}</c>; stateless
/// JSON replies or stateful SSE replies (<see cref="TestMcpMode"/>).</para>
/// <para>Logging is off. Thread-safe.</para>
/// </remarks>
public sealed class TestMcpService : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping;
    private readonly TimeSpan _shutdownTimeout;
    private int _disposed;

    private TestMcpService(WebApplication app, CancellationTokenSource stopping, TestFaults faults,
        TestServiceCounters counters, TestMcpEndpoint mcp, Uri baseAddress, TimeSpan shutdownTimeout)
    {
        Mcp = mcp;
        _app = app;
        _stopping = stopping;
        Faults = faults;
        Counters = counters;
        BaseAddress = baseAddress;
        _shutdownTimeout = shutdownTimeout;
    }

    /// <summary>The service's address, <c>http://127.0.0.1:{port}/</c> (or <c>https://</c> with a
    /// certificate).</summary>
    public Uri BaseAddress { get; }

    /// <summary>Faults to script during a test.</summary>
    public TestFaults Faults { get; }

    /// <summary>Requests and connections seen so far.</summary>
    public TestServiceCounters Counters { get; }

    /// <summary>The MCP Streamable HTTP endpoint, <c>{BaseAddress}mcp</c>: its mode, sessions and scripted protocol
    /// events.</summary>
    public TestMcpEndpoint Mcp { get; }

    /// <summary>The MCP Streamable HTTP endpoint's address, <c>{BaseAddress}mcp</c>.</summary>
    public Uri McpAddress => new(BaseAddress, "mcp");

    /// <summary>Starts a service on 127.0.0.1 (port 0 unless <see cref="TestMcpServiceOptions.Port"/> says
    /// otherwise) and returns once it accepts connections.</summary>
    public static async Task<TestMcpService> StartAsync(TestMcpServiceOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        options ??= new TestMcpServiceOptions();
        options.Validate();

        var faults = new TestFaults(options);
        var counters = new TestServiceCounters();
        var mcp = new TestMcpEndpoint(options);
        var connections = new ConnectionRegistry();
        var stopping = new CancellationTokenSource();
        WebApplication? app = null;
        try
        {
            var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions
            {
                ApplicationName = typeof(TestMcpService).Assembly.GetName().Name,
            });
            builder.Logging.ClearProviders();
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.Services.AddSingleton<IHostLifetime, NoSignalsLifetime>();
            builder.WebHost.UseKestrel(kestrel => ConfigureKestrel(kestrel, options, counters, connections));

            app = builder.Build();
            var dispatcher = new RequestDispatcher(faults, counters, mcp, connections, stopping.Token);
            app.Run(dispatcher.HandleAsync);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            var baseAddress = GetBaseAddress(app, options.Certificate is not null);
            return new TestMcpService(app, stopping, faults, counters, mcp, baseAddress, options.ShutdownTimeout);
        }
        catch
        {
            stopping.Dispose();
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Stops the service: open streams, sleeps and gated calls are cancelled at once, in-flight requests get
    /// <see cref="TestMcpServiceOptions.ShutdownTimeout"/> to finish, then every connection is aborted.
    /// Safe to call more than once.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Synchronous on purpose: every stream, sleep and gated call sees the cancellation (and aborts its
        // connection) before the gate opens, so no held call slips through as a success.
#pragma warning disable CA1849
        _stopping.Cancel();
#pragma warning restore CA1849
        Faults.Gate.Release();
        using (var timeout = new CancellationTokenSource(_shutdownTimeout))
        {
            try
            {
                await _app.StopAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Kestrel aborted what was left when the timeout fired; that is the intent.
            }
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }

    private static void ConfigureKestrel(KestrelServerOptions kestrel, TestMcpServiceOptions options,
        TestServiceCounters counters, ConnectionRegistry connections)
    {
        kestrel.AddServerHeader = false;
        kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodySize;
        // A test or a load run may read a stream slowly on purpose; no data-rate minimums.
        kestrel.Limits.MinRequestBodyDataRate = null;
        kestrel.Limits.MinResponseDataRate = null;
        kestrel.Listen(IPAddress.Loopback, options.Port, listen =>
        {
            var tls = options.Certificate is not null;
            listen.Protocols = options.Protocols ?? (tls ? HttpProtocols.Http1AndHttp2 : HttpProtocols.Http1);
            listen.Use(counters.CountConnections); // before TLS: counts TCP connections, even failed handshakes
            if (tls)
            {
                listen.UseHttps(CreateHttpsOptions(options));
            }

            listen.Use(connections.Track); // innermost: the transport the HTTP layer writes to
        });
    }

    private static HttpsConnectionAdapterOptions CreateHttpsOptions(TestMcpServiceOptions options)
    {
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificate = options.Certificate,
            ClientCertificateMode = options.RequireClientCertificate
                ? ClientCertificateMode.RequireCertificate
                : ClientCertificateMode.NoCertificate,
        };
        if (options.RequireClientCertificate)
        {
            var authority = options.ClientCertificateAuthority;
            https.ClientCertificateValidation = (certificate, _, _) =>
                authority is null || TestCertificates.ChainsTo(certificate, authority);
        }

        return https;
    }

    private static Uri GetBaseAddress(WebApplication app, bool tls)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var bound = addresses?.FirstOrDefault()
            ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        var port = new Uri(bound).Port;
        return new Uri($"{(tls ? "https" : "http")}://127.0.0.1:{port}/");
    }

    /// <summary>No Ctrl+C / SIGTERM hooks: an embedded service stops when its owner disposes it.</summary>
    private sealed class NoSignalsLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
