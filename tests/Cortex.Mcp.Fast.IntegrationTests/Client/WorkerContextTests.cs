namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>
/// A service's worker loops serve every caller, so they must not run inside the async-locals (Activity, logging
/// scope, request values) of whichever caller happened to start the service. Observed through the bearer token
/// provider, which the transport calls on the worker.
/// </summary>
public sealed class WorkerContextTests
{
    private static readonly AsyncLocal<string?> s_ambient = new();

    [Theory]
    [InlineData(HttpEngineKind.SocketsHttpHandler)]
    [InlineData(HttpEngineKind.Direct)]
    public async Task WorkerLoops_DoNotCarryTheAsyncLocalsOfTheCallerThatStartedTheService(HttpEngineKind engine)
    {
        var seen = new List<string?>();
        var provider = BearerTokenProvider.FromDelegate(_ =>
        {
            lock (seen)
            {
                seen.Add(s_ambient.Value);
            }

            return new ValueTask<string>("token");
        });
        await using var h = await ClientHarness.StartAsync(engine, o => o.DefaultServiceOptions.Http.BearerTokenProvider = provider);

        // This caller's first call starts the service (and its workers) inside its own async-local value.
        s_ambient.Value = "the starting caller's value";
        using var result = await h.Within(h.Call("echo").AsTask());

        Assert.Equal("the starting caller's value", s_ambient.Value); // still the caller's own, after the call
        lock (seen)
        {
            Assert.NotEmpty(seen);
            Assert.All(seen, Assert.Null);
        }
    }
}
