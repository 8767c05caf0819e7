using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

public sealed class ServiceDispatcherPropertyTests
{
    /// <summary>What the scripted service does with one call.</summary>
    public enum Outcome
    {
        Success,
        SuccessLater,
        ClientError,
        ServerError,
        NetworkError,
        CancelBefore,
        CancelDuring,
    }

    [Fact]
    public async Task TenThousandConcurrentCalls_RandomOutcomes_EachCompletesExactlyOnceWithResultOrTypedError()
    {
        var random = new Random(20261125);
        var outcomes = Enumerable.Range(0, 10_000).Select(_ => (Outcome)random.Next(7)).ToArray();
        await RunAsync(outcomes);
    }

    [Property(MaxTest = 10, Arbitrary = [typeof(OutcomeArbitrary)])]
    public void AnyMixOfOutcomes_EachCompletesExactlyOnceWithResultOrTypedError(Outcome[] outcomes) =>
        RunAsync(outcomes).GetAwaiter().GetResult();

    private static async Task RunAsync(Outcome[] outcomes)
    {
        var unobserved = 0;
        void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e) => Interlocked.Increment(ref unobserved);
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        try
        {
            await using var h = new DispatcherHarness(o =>
            {
                o.Queue.WorkerCount = 16;
                o.Queue.Capacity = Math.Max(1, outcomes.Length);
                o.Queue.FullMode = QueueFullMode.FailFast; // room for every call and no shedding: each ends by its script
                o.Retry.MaxRetries = 0;
                o.CircuitBreaker.Enabled = false;
            }, realTime: TimeProvider.System); // no backoffs to drive; fake time's timer bookkeeping would dominate
            var completions = 0;
            var calls = new Task[outcomes.Length];
            var sources = new CancellationTokenSource[outcomes.Length];
            for (var i = 0; i < outcomes.Length; i++)
            {
                var outcome = outcomes[i];
                var tool = "t" + i;
                var cts = sources[i] = new CancellationTokenSource();
                h.Transport.Script(tool, async (_, ct) =>
                {
                    switch (outcome)
                    {
                        case Outcome.SuccessLater:
                            await Task.Yield();
                            return ScriptedTransport.Ok();
                        case Outcome.ClientError:
                            throw ScriptedTransport.Status(tool, 400);
                        case Outcome.ServerError:
                            throw ScriptedTransport.Status(tool, 503);
                        case Outcome.NetworkError:
                            throw ScriptedTransport.Network(tool);
                        case Outcome.CancelDuring:
                            await cts.CancelAsync();
                            await Task.Delay(Timeout.Infinite, ct); // ends only through the call's token
                            throw new InvalidOperationException("unreachable");
                        default:
                            return ScriptedTransport.Ok();
                    }
                });
                if (outcome == Outcome.CancelBefore)
                {
                    await cts.CancelAsync();
                }

                calls[i] = Observe(h.Call(tool, cancellationToken: cts.Token).AsTask(), outcome, () => Interlocked.Increment(ref completions));
            }

            var all = Task.WhenAll(calls);
            await Task.WhenAny(all, Task.Delay(TimeSpan.FromSeconds(90), TimeProvider.System));
            Assert.True(all.IsCompleted, $"{Volatile.Read(ref completions)} of {outcomes.Length} calls completed within the bound");
            Assert.Equal(outcomes.Length, Volatile.Read(ref completions));
            var tools = h.Dispatcher.GetDiagnostics().Tools.Values;
            Assert.Equal(outcomes.Length, tools.Sum(t => t.Calls));
            Assert.Equal(outcomes.Length, tools.Sum(t => t.Successes + t.Failures));
            foreach (var cts in sources)
            {
                cts.Dispose();
            }
        }
        finally
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            TaskScheduler.UnobservedTaskException -= OnUnobserved;
        }

        Assert.Equal(0, unobserved);
    }

    private static async Task Observe(Task<ToolResult> call, Outcome outcome, Action completed)
    {
        try
        {
            using var result = await call;
            Assert.True(outcome is Outcome.Success or Outcome.SuccessLater, $"{outcome} must not succeed");
        }
        catch (OperationCanceledException)
        {
            Assert.True(outcome is Outcome.CancelBefore or Outcome.CancelDuring, $"{outcome} must not be canceled");
        }
        catch (ServiceCallException ex)
        {
            Assert.True(outcome is Outcome.ClientError or Outcome.ServerError or Outcome.NetworkError, $"{outcome} failed with {ex.GetType().Name}");
        }

        completed();
    }

    public static class OutcomeArbitrary
    {
        public static Arbitrary<Outcome[]> Outcomes() =>
            Gen.Elements(Enum.GetValues<Outcome>()).ArrayOf().Select(a => a.Take(1000).ToArray()).ToArbitrary();
    }
}
