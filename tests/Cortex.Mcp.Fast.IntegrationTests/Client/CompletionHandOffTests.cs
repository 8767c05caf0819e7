using System.Diagnostics;
using Cortex.Mcp.Fast.Dispatch;

namespace Cortex.Mcp.Fast.IntegrationTests.Client;

/// <summary>
/// The worker's hand-off of its thread to the caller (<c>WorkerHandOff</c>): a successful call's caller continues on
/// the reply's thread with the worker already parked, so a caller that blocks on a second call from there — with one
/// worker only — still gets it served; and the AppContext switch turns the hand-off off.
/// </summary>
/// <remarks>Serialised in one collection: the switch is process-wide, read when a service starts.</remarks>
public abstract class CompletionHandOffTests(HttpEngineKind engine)
{
    private const int Tries = 20;

    [Fact]
    public async Task Success_CallerContinuesOnTheRepliesThread_AndCanBlockOnASecondCallWithOneWorker()
    {
        await using var h = await ClientHarness.StartAsync(engine, o =>
        {
            o.DefaultServiceOptions.Queue.WorkerCount = 1;
            o.DefaultServiceOptions.CallTimeout = TimeSpan.FromSeconds(10); // a held worker would end the second call here
        });

        // A reply that happens to be complete before the worker awaits it is published the ordinary way, so a few
        // calls are allowed before one is handed off; on loopback nearly every one is.
        for (var i = 0; i < Tries; i++)
        {
            var second = await CallThenBlockOnASecondIfHandedOffAsync(h);
            if (second is null)
            {
                continue;
            }

            using (second)
            {
                Assert.Contains("\"i\":2", second.Json.GetRawText(), StringComparison.Ordinal);
            }

            Assert.Equal(i + 2, h.Service.Counters.ToolRequests("echo"));
            return;
        }

        Assert.Fail($"none of {Tries} successful calls was handed off to its caller");
    }

    [Fact]
    public async Task Switch_TurnsTheHandOffOff_ForServicesStartedWhileItIsSet()
    {
        await using var h = await ClientHarness.StartAsync(engine, o => o.DefaultServiceOptions.Queue.WorkerCount = 1);
        AppContext.SetSwitch(ServiceDispatcher.DisableCompletionHandOffSwitch, true);
        try
        {
            await h.Client.ConnectAsync("svc", h.Timeout);
        }
        finally
        {
            AppContext.SetSwitch(ServiceDispatcher.DisableCompletionHandOffSwitch, false);
        }

        for (var i = 0; i < Tries; i++)
        {
            Assert.False(await CallAndSeeIfHandedOffAsync(h), $"call {i} was handed off with the switch set");
        }

        Assert.Equal(Tries, h.Service.Counters.ToolRequests("echo"));
    }

    /// <summary>
    /// One call; if its caller continues inside the hand-off, blocks right there (on the reply's thread) on a second
    /// call and returns its result — the single worker must not be held by this code, or the second call never runs
    /// and ends at its deadline. Null when the first call was not handed off.
    /// </summary>
    private static async Task<ToolResult?> CallThenBlockOnASecondIfHandedOffAsync(ClientHarness h)
    {
        using var first = await h.Call("echo", """{"i":1}""").ConfigureAwait(false);
        if (!OnAHandOff())
        {
            return null;
        }

        var second = h.Call("echo", """{"i":2}""").AsTask();
        Assert.True(second.Wait(ClientHarness.Bound), "the second call did not complete while the first caller blocked");
        return second.Result;
    }

    private static async Task<bool> CallAndSeeIfHandedOffAsync(ClientHarness h)
    {
        using var result = await h.Call("echo").ConfigureAwait(false);
        return OnAHandOff();
    }

    private static bool OnAHandOff() =>
        new StackTrace(fNeedFileInfo: false).GetFrames().Any(f => f.GetMethod()?.DeclaringType == typeof(WorkerHandOff));
}

[Collection(nameof(CompletionHandOffTests))]
public sealed class CompletionHandOffTestsOnSocketsHttpHandler() : CompletionHandOffTests(HttpEngineKind.SocketsHttpHandler);

[Collection(nameof(CompletionHandOffTests))]
public sealed class CompletionHandOffTestsOnDirectEngine() : CompletionHandOffTests(HttpEngineKind.Direct);
