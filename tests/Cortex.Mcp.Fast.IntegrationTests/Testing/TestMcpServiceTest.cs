using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing;

/// <summary>
/// Base of the tests that drive the loopback test service over raw HTTP: each test gets its own
/// <see cref="TestMcpService"/> (on 127.0.0.1, port 0) and an <see cref="HttpClient"/> for it, both disposed after
/// the test. xunit builds one instance per test, so faults and counters a test touches never leak into the next.
/// </summary>
public abstract class TestMcpServiceTest : IAsyncLifetime
{
    private readonly TestMcpServiceOptions? _options;
    private TestMcpService? _service;
    private HttpClient? _client;

    /// <param name="options">The service's options; the defaults (stateless MCP, no token) when null.</param>
    protected TestMcpServiceTest(TestMcpServiceOptions? options = null) => _options = options;

    /// <summary>The running service.</summary>
    protected TestMcpService Service => _service ?? throw new InvalidOperationException("The service starts in InitializeAsync.");

    /// <summary>A client whose base address is the service's (<see cref="TestHttp.CreateClient"/>).</summary>
    protected HttpClient Client => _client ?? throw new InvalidOperationException("The client is made in InitializeAsync.");

    public virtual async Task InitializeAsync()
    {
        using var cts = TestHttp.Deadline();
        _service = await TestMcpService.StartAsync(_options, cts.Token);
        _client = TestHttp.CreateClient(_service.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_service is not null)
        {
            await _service.DisposeAsync();
        }
    }
}
