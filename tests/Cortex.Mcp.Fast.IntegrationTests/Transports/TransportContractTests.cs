using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.IntegrationTests.Interop.Support;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.IntegrationTests.Transports;

/// <summary>
/// The <see cref="IMcpTransport"/> contract, once for every protocol (STYLE habit 10): each transport is made by
/// <see cref="TransportFactory.Create"/> against a real loopback <see cref="TestMcpService"/>. A success returns the
/// result; every failure is a <see cref="TransportFailure"/> with the right kind, status and not-sent flag; the
/// operation's own token gives an <see cref="OperationCanceledException"/> and nothing else; a resource yields items;
/// dispose is idempotent and closes every connection.
/// </summary>
public abstract class TransportContractTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private static readonly byte[] Arguments = "{\"x\":1,\"s\":\"h\u00e9\"}"u8.ToArray();

    private TestMcpService? _service;
    private readonly List<IMcpTransport> _transports = [];

    /// <summary>The HTTP engine under test.</summary>
    protected virtual HttpEngineKind Engine => HttpEngineKind.SocketsHttpHandler;

    /// <summary>The protocol under test.</summary>
    protected abstract McpProtocol Protocol { get; }

    /// <summary>A resource of the test service and how many items it yields.</summary>
    protected abstract (string Path, int Items) Resource { get; }

    /// <summary>A resource path or URI the protocol refuses before any I/O.</summary>
    protected abstract string InvalidResourcePath { get; }

    protected TestMcpService Service => _service ?? throw new InvalidOperationException("Started in InitializeAsync.");

    protected CancellationToken Timeout { get; } = new CancellationTokenSource(Bound).Token;

    /// <summary>The address the transport is given for <paramref name="service"/> (its base or its /mcp endpoint).</summary>
    protected abstract Uri EndpointFor(Uri baseAddress);

    /// <summary>The arguments echoed in the result of the <c>echo</c> tool.</summary>
    protected abstract JsonElement Echoed(ToolResult result);

    /// <summary>True when <paramref name="context"/> is the tool call (not a session request around it); may read the
    /// body but must leave it readable.</summary>
    protected abstract ValueTask<bool> IsToolCallAsync(HttpContext context);

    public async Task InitializeAsync() => _service = await TestMcpService.StartAsync(cancellationToken: Timeout);


    public async Task DisposeAsync()
    {
        foreach (var transport in _transports)
        {
            await transport.DisposeAsync();
        }

        if (_service is not null)
        {
            await _service.DisposeAsync();
        }

    }

    [Fact]
    public async Task CallTool_Success_ReturnsTheResult()
    {
        var transport = Create();

        using var result = await transport.CallToolAsync("echo", Arguments, default, null, Timeout);

        var echoed = Echoed(result);
        Assert.Equal(1, echoed.GetProperty("x").GetInt32());
        Assert.Equal("h\u00e9", echoed.GetProperty("s").GetString());
        Assert.Equal(1, Service.Counters.ToolRequests("echo"));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task CallTool_HttpErrorStatus_IsAStatusFailureThatReachedTheServer(int status)
    {
        var transport = Create();
        Service.Faults.FailNext("echo", 1, status);

        var failure = await FailureOf(transport.CallToolAsync("echo", Arguments, default, null, Timeout).AsTask());

        Assert.Equal(FailureShape.General, failure.Shape);
        Assert.Equal(FailureKind.HttpStatus, failure.Kind);
        Assert.Equal(status, failure.StatusCode);
        Assert.False(failure.NotSent);
        Assert.Equal(1, Service.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task CallTool_RetryAfter_IsReported()
    {
        var transport = Create();
        Service.Faults.FailNext("echo", 1, 429, retryAfter: "7");

        var failure = await FailureOf(transport.CallToolAsync("echo", Arguments, default, null, Timeout).AsTask());

        Assert.Equal(429, failure.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), failure.RetryAfter);
    }

    [Fact]
    public async Task CallTool_ConnectionRefused_IsAConnectFailureThatNeverLeft()
    {
        var port = LoopbackPorts.GetFreePort(); // bound, then closed: nothing listens there
        var transport = Create(EndpointFor(new Uri($"http://127.0.0.1:{port}/")));

        var failure = await FailureOf(transport.CallToolAsync("echo", Arguments, default, null, Timeout).AsTask());

        Assert.Equal(FailureKind.ConnectFailure, failure.Kind);
        Assert.True(failure.NotSent);
        Assert.Equal(0, transport.OpenConnections);
    }

    [Fact]
    public async Task CallTool_ResetBeforeTheResponse_IsANetworkFailureThatMayHaveRun()
    {
        await using var raw = RawTcpTestServer.Start(RawFault.ResetBeforeHeaders);
        var transport = Create(EndpointFor(raw.BaseAddress));

        var failure = await FailureOf(transport.CallToolAsync("echo", Arguments, default, null, Timeout).AsTask());

        Assert.Equal(FailureKind.NetworkError, failure.Kind);
        Assert.False(failure.NotSent);
    }

    [Theory]
    [InlineData("application/json", "{\"not\": json")]
    [InlineData("application/json", "[1,2")]
    [InlineData("text/html", "<html>proxy error</html>")]
    public async Task CallTool_BodyThatIsNotTheProtocol_IsAProtocolFailure(string mediaType, string body)
    {
        var transport = Create();
        Service.Faults.Intercept = async context =>
        {
            if (!await IsToolCallAsync(context))
            {
                return false;
            }

            context.Response.StatusCode = 200;
            context.Response.ContentType = mediaType;
            await context.Response.WriteAsync(body, context.RequestAborted);
            return true;
        };

        var failure = await FailureOf(transport.CallToolAsync("echo", Arguments, default, null, Timeout).AsTask());

        Assert.Equal(FailureShape.Protocol, failure.Shape);
        Assert.Equal(FailureKind.ProtocolError, failure.Kind);
        Assert.False(failure.NotSent);
    }

    [Fact]
    public async Task CallTool_CancelledByItsToken_IsOperationCanceledOnly()
    {
        var transport = Create();
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var call = transport.CallToolAsync("sleep", "{\"ms\":20000}"u8.ToArray(), default, null, caller.Token).AsTask();
        await Service.Counters.WaitForRequestsAsync("sleep", 1, Timeout);

        await caller.CancelAsync();

        var ex = await Record.ExceptionAsync(() => call.WaitAsync(Timeout));
        Assert.IsAssignableFrom<OperationCanceledException>(ex);
        Assert.IsNotType<TransportFailure>(ex);
    }

    [Fact]
    public async Task CallTool_AlreadyCancelled_IsOperationCanceledAndSendsNoToolCall()
    {
        var transport = Create();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var ex = await Record.ExceptionAsync(() => transport.CallToolAsync("echo", Arguments, default, null, cancelled.Token).AsTask().WaitAsync(Timeout));

        Assert.IsAssignableFrom<OperationCanceledException>(ex);
        Assert.Equal(0, Service.Counters.ToolRequests("echo"));
    }

    [Fact]
    public async Task ReadResource_YieldsItsItems()
    {
        var transport = Create();
        var invalid = new List<Exception>();

        var items = new List<JsonElement>();
        await foreach (var item in transport.ReadResourceAsync(Resource.Path, static utf8 => JsonDocument.Parse(utf8.ToArray()).RootElement.Clone(), invalid.Add, Timeout))
        {
            items.Add(item);
        }

        Assert.Equal(Resource.Items, items.Count);
        Assert.All(items, i => Assert.Equal(JsonValueKind.Object, i.ValueKind));
        Assert.Empty(invalid);
    }

    [Fact]
    public async Task ReadResource_InvalidPath_IsRefusedBeforeAnyIo()
    {
        var transport = Create();
        Assert.NotNull(transport.ValidateResourcePath(InvalidResourcePath));

        var ex = await Record.ExceptionAsync(async () =>
        {
            await foreach (var unused in transport.ReadResourceAsync(InvalidResourcePath, static utf8 => utf8.Length, _ => { }, Timeout))
            {
            }
        });

        var failure = Assert.IsType<TransportFailure>(ex);
        Assert.Equal(FailureShape.InvalidTarget, failure.Shape);
        Assert.True(failure.NotSent);
        Assert.Equal(0, Service.Counters.TotalRequests);
    }

    [Fact]
    public async Task Dispose_IsIdempotentAndClosesItsConnections()
    {
        var transport = Create();
        (await transport.CallToolAsync("echo", Arguments, default, null, Timeout)).Dispose();
        Assert.True(transport.OpenConnections >= 1);

        await transport.DisposeAsync();
        await transport.DisposeAsync();

        Assert.Equal(0, transport.OpenConnections);
        await Service.Counters.WaitForOpenConnectionsAsync(0, Timeout);
    }

    [Fact]
    public async Task Address_IsTheEndpoint()
    {
        var transport = Create();

        Assert.StartsWith(EndpointFor(Service.BaseAddress).AbsoluteUri.TrimEnd('/'), transport.Address.AbsoluteUri, StringComparison.Ordinal);
    }

    /// <summary>A transport of <see cref="Protocol"/> for the test service (or <paramref name="address"/>), disposed after the test.</summary>
    private protected IMcpTransport Create(Uri? address = null)
    {
        var options = new McpServiceOptions { Protocol = Protocol };
        options.Http.Engine = Engine;
        var transport = TransportFactory.Create("svc", address ?? EndpointFor(Service.BaseAddress), options, TimeProvider.System);
        _transports.Add(transport);
        return transport;
    }

    /// <summary>The failure <paramref name="task"/> ends with, which must be a <see cref="TransportFailure"/>.</summary>
    private protected async Task<TransportFailure> FailureOf(Task task)
    {
        var ex = await Record.ExceptionAsync(() => task.WaitAsync(Timeout));
        Assert.IsNotType<TimeoutException>(ex);
        if (ex is ServiceCallException legacy)
        {
            // Say what was thrown instead, so a transport still on the old error path shows how far it is off.
            Assert.Fail($"Expected a TransportFailure, got {legacy.GetType().Name} (kind {legacy.FailureKind}, status {legacy.StatusCode}, not sent {legacy.RequestNotSent}): {legacy.Message}");
        }

        return Assert.IsType<TransportFailure>(ex);
    }

    /// <summary>Reads the request body as text and leaves it readable for the service.</summary>
    protected static async ValueTask<string> PeekBodyAsync(HttpContext context)
    {
        context.Request.EnableBuffering();
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        context.Request.Body.Position = 0;
        return body;
    }
}
