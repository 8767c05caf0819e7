using System.Runtime.CompilerServices;
using System.Text.Json;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Tests.Dispatch;

public sealed class ServiceDispatcherStreamTests
{
    private static readonly Utf8ItemReader<JsonElement> s_read = static utf8 => JsonDocument.Parse(utf8.ToArray()).RootElement.Clone();

    [Fact]
    public async Task Dispose_WithOpenStreams_EndsEveryEnumerationWithClientDisposed()
    {
        // Defect 8: disposal disposed the stream slots before the streams unwound; their release then threw a raw
        // ObjectDisposedException in place of the typed error.
        var h = new DispatcherHarness(o => o.Streams.MaxConcurrent = 4);
        h.Transport.ResourceScript = static (_, ct) => OneThenForever(ct);
        var enumerators = new List<IAsyncEnumerator<JsonElement>>();
        var pending = new List<Task<bool>>();
        for (var i = 0; i < 3; i++)
        {
            var enumerator = h.Dispatcher.Streams.ReadResourceAsync("r" + i, s_read, CancellationToken.None).GetAsyncEnumerator();
            enumerators.Add(enumerator);
            Assert.True(await enumerator.MoveNextAsync().AsTask().WaitAsync(h.Timeout));
            pending.Add(enumerator.MoveNextAsync().AsTask());
        }

        await h.Dispatcher.DisposeAsync().AsTask().WaitAsync(h.Timeout);

        foreach (var next in pending)
        {
            Assert.IsType<ClientDisposedException>(await h.FailureOf(next));
        }

        foreach (var enumerator in enumerators)
        {
            await enumerator.DisposeAsync();
        }

        Assert.Equal(0, h.Dispatcher.GetDiagnostics().OpenStreams);
    }

    [Fact]
    public async Task Stream_TransportFailure_IsTypedAndCountedByTheBreaker()
    {
        await using var h = new DispatcherHarness(o => o.CircuitBreaker.FailureThreshold = 2);
        h.Transport.ResourceScript = static (_, _) => Failing();

        for (var i = 0; i < 2; i++)
        {
            var ex = await Record.ExceptionAsync(async () =>
            {
                await foreach (var _ in h.Dispatcher.Streams.ReadResourceAsync("r", s_read, CancellationToken.None))
                {
                }
            });
            var typed = Assert.IsType<ResourceStreamException>(ex);
            Assert.Equal(FailureKind.NetworkError, typed.FailureKind);
        }

        Assert.Equal(Cortex.Mcp.Fast.CircuitState.Open, h.Breaker.State);
    }

    private static async IAsyncEnumerable<string> OneThenForever([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return "{}";
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private static async IAsyncEnumerable<string> Failing()
    {
        await Task.Yield();
        throw ScriptedTransport.Network("stream");
#pragma warning disable CS0162 // an iterator needs a yield
        yield break;
#pragma warning restore CS0162
    }
}
