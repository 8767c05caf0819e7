using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>
/// The protocol-neutral request path (<c>RunAsync</c>, used by tools/list): lease, breaker, call deadline and
/// typed errors, like every other operation.
/// </summary>
public sealed class ServiceDispatcherRequestTests
{
    private static ValueTask<IReadOnlyList<McpToolInfo>> ListTools(DispatcherHarness h, CancellationToken cancellationToken = default) =>
        h.Dispatcher.Requests.RunAsync("tools/list", static (transport, token) => transport.ListToolsAsync(token), cancellationToken);

    [Fact]
    public async Task Run_Success_ReturnsTheTransportsAnswerAndReleasesTheLease()
    {
        await using var h = new DispatcherHarness();

        var tools = await h.Within(ListTools(h).AsTask());

        Assert.Empty(tools);
        await h.Dispatcher.DisposeAsync();
        Assert.True(h.Transport.Disposed);
    }

    [Fact]
    public async Task Run_TransportFailure_IsTypedAsARequestAndCountedByTheBreaker()
    {
        await using var h = new DispatcherHarness(o => o.CircuitBreaker.FailureThreshold = 2);
        h.Transport.ListToolsScript = _ => throw ScriptedTransport.Status("tools/list", 503);

        for (var i = 0; i < 2; i++)
        {
            var failed = Assert.IsType<ServiceCallException>(await h.FailureOf(ListTools(h).AsTask()));
            Assert.Equal(503, failed.StatusCode);
            Assert.Equal("tools/list", failed.Tool);
            Assert.Equal(1, failed.Attempts);
        }

        Assert.Equal(CircuitState.Open, h.Breaker.State);
        var calls = 0;
        h.Transport.ListToolsScript = _ =>
        {
            calls++;
            return new(Array.Empty<McpToolInfo>());
        };
        Assert.IsType<CircuitOpenException>(await h.FailureOf(ListTools(h).AsTask()));
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task Run_HangingServer_EndsAtTheCallDeadlineWithoutCountingAgainstTheBreaker()
    {
        await using var h = new DispatcherHarness(o => o.CallTimeout = TimeSpan.FromSeconds(4));
        h.Transport.ListToolsScript = async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return Array.Empty<McpToolInfo>();
        };
        var request = ListTools(h).AsTask();

        h.Time.Advance(TimeSpan.FromSeconds(4));

        var timeout = Assert.IsType<CallTimeoutException>(await h.FailureOf(request));
        Assert.Equal(TimeoutLimit.CallDeadline, timeout.Limit);
        Assert.Equal(TimeSpan.FromSeconds(4), timeout.LimitValue);
        Assert.Equal(0, h.Breaker.ConsecutiveFailures);
    }

    [Fact]
    public async Task Run_CallerCancels_IsTheCallersOperationCanceledException()
    {
        await using var h = new DispatcherHarness();
        h.Transport.ListToolsScript = async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return Array.Empty<McpToolInfo>();
        };
        using var cts = new CancellationTokenSource();
        var request = ListTools(h, cts.Token).AsTask();

        await cts.CancelAsync();

        Assert.Equal(cts.Token, Assert.IsAssignableFrom<OperationCanceledException>(await h.FailureOf(request)).CancellationToken);
        Assert.Equal(0, h.Breaker.ConsecutiveFailures);
    }

    [Fact]
    public async Task Run_DisposedWhileRunningOrAfterwards_IsClientDisposed()
    {
        var h = new DispatcherHarness();
        h.Transport.ListToolsScript = async ct =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return Array.Empty<McpToolInfo>();
        };
        var request = ListTools(h).AsTask();

        await h.Dispatcher.DisposeAsync().AsTask().WaitAsync(h.Timeout);

        Assert.IsType<ClientDisposedException>(await h.FailureOf(request));
        Assert.IsType<ClientDisposedException>(await h.FailureOf(ListTools(h).AsTask()));
    }

    [Fact]
    public async Task Admission_ManyWaitersCancellationsAndDeadlinesOnRealThreads_EveryCallEndsAndNothingIsLeftCounted()
    {
        var random = new Random(7);
        await using var h = new DispatcherHarness(o =>
        {
            o.Queue.WorkerCount = 4;
            o.Queue.Capacity = 3;
            o.Queue.FullMode = QueueFullMode.Wait;
            o.Queue.MaxWaiters = 2000; // every caller may wait: this test is about waiters ending
            o.Retry.MaxRetries = 0;
            o.CircuitBreaker.Enabled = false;
        }, realTime: TimeProvider.System);
        h.Transport.Script("t", async (_, ct) =>
        {
            await Task.Yield();
            return ScriptedTransport.Ok();
        });
        var calls = new List<Task<ToolResult>>();
        var sources = new List<CancellationTokenSource>();
        for (var i = 0; i < 2000; i++)
        {
            var cts = new CancellationTokenSource();
            sources.Add(cts);
            var options = random.Next(5) == 0 ? new ToolCallOptions { Timeout = TimeSpan.FromMilliseconds(random.Next(1, 5)) } : null;
            calls.Add(h.Call("t", options, cts.Token).AsTask());
            if (random.Next(4) == 0)
            {
                sources[random.Next(sources.Count)].Cancel();
            }
        }

        foreach (var call in calls)
        {
            var ex = await Record.ExceptionAsync(async () => (await call.WaitAsync(h.Timeout)).Dispose());
            Assert.True(ex is null or OperationCanceledException or CallTimeoutException, ex?.ToString());
        }

        Assert.Equal(0, h.Dispatcher.Admission.Live);
        Assert.Equal(0, h.Dispatcher.Admission.Waiting);
        foreach (var cts in sources)
        {
            cts.Dispose();
        }
    }
}
