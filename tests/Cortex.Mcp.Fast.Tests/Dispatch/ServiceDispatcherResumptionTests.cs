using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

/// <summary>
/// A tool call whose reply stream broke resumably (the transport throws <see cref="ResumeRequired"/>): the call is
/// parked on a timer, keeps its endpoint and breaker permit, and resumes on the same endpoint; no worker sleeps.
/// </summary>
public sealed class ServiceDispatcherResumptionTests
{
    private static readonly ToolCallOptions s_once = new() { MaxRetries = 0 };

    [Fact]
    public async Task Resume_WaitsExactlyTheDelayAndContinuesOnTheSameEndpoint()
    {
        await using var h = new DispatcherHarness();
        var resumption = new TestResumption(TimeSpan.FromSeconds(3));
        h.Transport.Script("t", (_, _) => throw new ResumeRequired(resumption));
        var call = h.Call("t").AsTask();
        Assert.Equal(TimeSpan.FromSeconds(3), await h.NextResumptionAsync());

        // The service moves meanwhile: the suspended call still belongs to the endpoint its request went to.
        var next = new ScriptedTransport("http://127.0.0.1:2/");
        h.Dispatcher.SwapEndpoint(new ServiceEndpoint(next, new CircuitBreaker(h.Options.CircuitBreaker, h.Time)));
        Assert.False(h.Transport.Disposed, "the suspended call holds the old endpoint's lease");

        h.Time.Advance(TimeSpan.FromSeconds(3) - TimeSpan.FromTicks(1));
        Assert.Equal(0, h.Transport.Resumes);
        Assert.False(call.IsCompleted);
        h.Time.Advance(TimeSpan.FromTicks(1));

        using var result = await h.Within(call);
        Assert.True(result.Json.GetProperty("resumed").GetBoolean());
        Assert.Equal(1, h.Transport.Resumes);
        Assert.Equal(1, h.Transport.Attempts("t"));
        Assert.Equal(0, next.TotalAttempts + next.Resumes);
        Assert.True(h.Transport.Disposed, "the old endpoint closes once the resumed call lets go of it");
        Assert.True(h.NoRetryScheduled);
        Assert.Equal(0, h.Dispatcher.GetDiagnostics().Retries);
        Assert.Equal(0, h.Dispatcher.GetDiagnostics().QueueDepth);
    }

    [Fact]
    public async Task Resume_FailsAfterTheWait_AttemptsNotIncrementedAndBudgetUntouched()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (_, _) => throw new ResumeRequired(new TestResumption(TimeSpan.FromSeconds(1))));
        h.Transport.ResumeScript = (resumption, _) =>
        {
            resumption.Dispose();
            throw ScriptedTransport.Status("t", 400);
        };
        var budget = h.Dispatcher.RetryBudget.AvailableRetries;
        var call = h.Call("t").AsTask();
        await h.NextResumptionAsync();
        var afterRequest = h.Dispatcher.RetryBudget.AvailableRetries;

        h.Time.Advance(TimeSpan.FromSeconds(1));

        var failed = Assert.IsType<ServiceCallException>(await h.FailureOf(call));
        Assert.Equal(400, failed.StatusCode);
        Assert.Equal(1, failed.Attempts);
        Assert.True(afterRequest >= budget, "the call itself only adds to the budget");
        Assert.Equal(afterRequest, h.Dispatcher.RetryBudget.AvailableRetries, 6);
        Assert.True(h.NoRetryScheduled);
    }

    [Fact]
    public async Task Resume_RequiredAgain_WaitsAgainThenSucceeds()
    {
        await using var h = new DispatcherHarness();
        h.Transport.Script("t", (_, _) => throw new ResumeRequired(new TestResumption(TimeSpan.FromSeconds(1))));
        var legs = 0;
        h.Transport.ResumeScript = (resumption, _) =>
        {
            resumption.Dispose();
            return ++legs == 1
                ? throw new ResumeRequired(new TestResumption(TimeSpan.FromSeconds(2)))
                : new ValueTask<ToolResult>(ScriptedTransport.Ok());
        };
        var call = h.Call("t").AsTask();
        Assert.Equal(TimeSpan.FromSeconds(1), await h.NextResumptionAsync());
        h.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(2), await h.NextResumptionAsync());
        h.Time.Advance(TimeSpan.FromSeconds(2));

        using var result = await h.Within(call);
        Assert.Equal(2, h.Transport.Resumes);
        Assert.Equal(1, h.Transport.Attempts("t"));
    }

    [Fact]
    public async Task Resume_DeadlineDuringTheWait_EndsWithTimeoutAndReleasesEverything()
    {
        await using var h = new DispatcherHarness();
        var resumption = new TestResumption(TimeSpan.FromSeconds(10));
        h.Transport.Script("t", (_, _) => throw new ResumeRequired(resumption));
        var call = h.Call("t", new ToolCallOptions { Timeout = TimeSpan.FromSeconds(2) }).AsTask();
        await h.NextResumptionAsync();
        h.Dispatcher.SwapEndpoint(new ServiceEndpoint(new ScriptedTransport("http://127.0.0.1:2/"), new CircuitBreaker(h.Options.CircuitBreaker, h.Time)));

        h.Time.Advance(TimeSpan.FromSeconds(2));

        var timeout = Assert.IsType<CallTimeoutException>(await h.FailureOf(call));
        Assert.Equal(TimeoutLimit.CallDeadline, timeout.Limit);
        Assert.Equal(1, timeout.Attempts);
        Assert.Equal(1, resumption.DisposeCount);
        Assert.True(h.Transport.Disposed, "the lease was released");
        Assert.Equal(0, h.Breaker.ConsecutiveFailures);
        Assert.Equal(CircuitState.Closed, h.Breaker.State);

        h.Time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0, h.Transport.Resumes);
        Assert.Equal(1, resumption.DisposeCount);
    }

    [Fact]
    public async Task Resume_CallerCancelsDuringTheWait_IsCanceledAndTheProbeIsGivenBack()
    {
        await using var h = new DispatcherHarness();
        await OpenThenHalfOpenAsync(h);
        var resumption = new TestResumption(TimeSpan.FromSeconds(5));
        h.Transport.Script("t", (_, _) => throw new ResumeRequired(resumption));
        using var cts = new CancellationTokenSource();
        var call = h.Call("t", s_once, cts.Token).AsTask();
        await h.NextResumptionAsync();

        await cts.CancelAsync();

        Assert.Equal(cts.Token, Assert.IsAssignableFrom<OperationCanceledException>(await h.FailureOf(call)).CancellationToken);
        Assert.True(resumption.IsDisposed);

        // The probe permit was recorded as ignored: the next call may probe again.
        h.Transport.Script("t", (_, _) => new ValueTask<ToolResult>(ScriptedTransport.Ok()));
        using var probe = await h.Within(h.Call("t", s_once).AsTask());
        Assert.Equal(CircuitState.Closed, h.Breaker.State);
    }

    [Fact]
    public async Task Resume_BreakerSeesOneOutcome_TheProbeIsHeldAcrossTheWait()
    {
        await using var h = new DispatcherHarness();
        await OpenThenHalfOpenAsync(h);
        h.Transport.Script("t", (_, _) => throw new ResumeRequired(new TestResumption(TimeSpan.FromSeconds(1))));
        var call = h.Call("t", s_once).AsTask();
        await h.NextResumptionAsync();
        var transitions = h.Breaker.Transitions;

        // While the probe waits to resume, the circuit admits nobody else and records nothing.
        Assert.IsType<CircuitOpenException>(await h.FailureOf(h.Call("other", s_once).AsTask()));
        Assert.Equal(CircuitState.HalfOpen, h.Breaker.State);
        Assert.Equal(transitions, h.Breaker.Transitions);

        h.Time.Advance(TimeSpan.FromSeconds(1));
        using var result = await h.Within(call);
        Assert.Equal(CircuitState.Closed, h.Breaker.State);
        Assert.Equal(transitions + 1, h.Breaker.Transitions);
        Assert.Equal(0, h.Transport.Attempts("other"));
    }

    [Fact]
    public async Task Resume_DisposalDuringTheWait_ClientDisposedAndResumptionDisposed()
    {
        var h = new DispatcherHarness();
        var resumption = new TestResumption(TimeSpan.FromSeconds(5));
        h.Transport.Script("t", (_, _) => throw new ResumeRequired(resumption));
        var call = h.Call("t").AsTask();
        await h.NextResumptionAsync();

        await h.Dispatcher.DisposeAsync().AsTask().WaitAsync(h.Timeout);

        Assert.IsType<ClientDisposedException>(await h.FailureOf(call));
        Assert.Equal(1, resumption.DisposeCount);
        Assert.True(h.Transport.Disposed);
        h.Time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, h.Transport.Resumes);
    }

    [Fact]
    public async Task Resume_NeverSleepsAWorker_OtherCallsRunWhileOneWaits()
    {
        await using var h = new DispatcherHarness(o => o.Queue.WorkerCount = 1);
        h.Transport.Script("slow", (_, _) => throw new ResumeRequired(new TestResumption(TimeSpan.FromMinutes(1))));
        var waiting = h.Call("slow", new ToolCallOptions { Timeout = TimeSpan.FromMinutes(5) }).AsTask();
        await h.NextResumptionAsync();

        for (var i = 0; i < 5; i++)
        {
            using var other = await h.Within(h.Call("fast").AsTask());
        }

        Assert.False(waiting.IsCompleted);
        h.Time.Advance(TimeSpan.FromMinutes(1));
        using var resumed = await h.Within(waiting);
    }

    private static async Task OpenThenHalfOpenAsync(DispatcherHarness h)
    {
        h.Transport.Script("boom", (_, _) => throw ScriptedTransport.Status("boom", 500));
        for (var i = 0; i < 5; i++)
        {
            await h.FailureOf(h.Call("boom", s_once).AsTask());
        }

        Assert.Equal(CircuitState.Open, h.Breaker.State);
        h.Time.Advance(TimeSpan.FromSeconds(30));
    }
}
