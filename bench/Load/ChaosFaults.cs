using Cortex.Mcp.Fast.Testing;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>The faults a chaos soak may inject, each on or off (all on by default).</summary>
[Flags]
public enum ChaosFaultKinds
{
    /// <summary>No faults.</summary>
    None = 0,

    /// <summary>Connections reset (aborted) before the request is read.</summary>
    Resets = 1,

    /// <summary>Service-wide stalls: every tool call arriving is held for a few hundred milliseconds.</summary>
    Stalls = 2,

    /// <summary>A share of tool calls answered 503 with <c>Retry-After</c>.</summary>
    Unavailable = 4,

    /// <summary>A share of tool calls answered 429 with <c>Retry-After</c>.</summary>
    TooManyRequests = 8,

    /// <summary>Every MCP session ended at once (the client must re-initialise).</summary>
    SessionLoss = 16,

    /// <summary>Slow replies: latency added to every tool call.</summary>
    Slow = 32,

    /// <summary>An SSE reply cut mid-stream (the client resumes it with <c>Last-Event-ID</c>).</summary>
    CutStreams = 64,

    /// <summary>The service moved to a second service instance (through the client's discovery) for the episode and
    /// back at its end, while calls are in flight.</summary>
    EndpointSwaps = 128,

    /// <summary>Every fault.</summary>
    All = Resets | Stalls | Unavailable | TooManyRequests | SessionLoss | Slow | CutStreams | EndpointSwaps,
}

/// <summary>
/// Drives the embedded services' faults during a soak: every <see cref="Episode"/> it clears the previous episode and
/// draws one or two enabled faults (seeded, so runs repeat their schedule) for the next one, counting what it
/// injected. Resets go through each service's intercept hook, which aborts the connection of a share of MCP POSTs.
/// </summary>
/// <remarks>
/// With a second instance and a discovery, the endpoint-swap fault registers the second instance's address for the
/// service (the client drains its old endpoint and moves) and the primary's again when the episode ends, so both
/// instances see calls and the soak's counts are summed over both. Every other fault applies to both instances:
/// whichever one serves the episode is disturbed.
/// </remarks>
public sealed class ChaosFaults
{
    /// <summary>The length of one fault episode.</summary>
    public static readonly TimeSpan Episode = TimeSpan.FromSeconds(1);

    private const double ResetShare = 0.05;
    private const double ErrorShare = 0.15;

    private static readonly ChaosFaultKinds[] Kinds =
    [
        ChaosFaultKinds.Resets, ChaosFaultKinds.Stalls, ChaosFaultKinds.Unavailable, ChaosFaultKinds.TooManyRequests,
        ChaosFaultKinds.SessionLoss, ChaosFaultKinds.Slow, ChaosFaultKinds.CutStreams, ChaosFaultKinds.EndpointSwaps,
    ];

    private readonly TestMcpService[] _services;
    private readonly EndpointSwap? _swap;
    private readonly ChaosFaultKinds[] _enabled;
    private readonly Random _random;
    private readonly Dictionary<ChaosFaultKinds, int> _episodes = [];
    private long _resetsInjected;
    private int _resetting;
    private int _swaps;
    private bool _swapped;

    /// <param name="service">The in-process service to disturb.</param>
    /// <param name="enabled">The faults to draw from.</param>
    /// <param name="seed">Seed of the schedule.</param>
    /// <param name="swap">Where the endpoint-swap fault moves the service; null leaves that fault out.</param>
    public ChaosFaults(TestMcpService service, ChaosFaultKinds enabled, int seed, EndpointSwap? swap = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        _services = swap is null ? [service] : [service, swap.Secondary];
        _swap = swap;
        _enabled = [.. Kinds.Where(k => enabled.HasFlag(k) && (k != ChaosFaultKinds.EndpointSwaps || swap is not null))];
        _random = new Random(seed);
        foreach (var s in _services)
        {
            s.Faults.Intercept = InterceptAsync;
        }
    }

    /// <summary>Connections aborted by the reset fault (server side: each is one attempt that never ran).</summary>
    public long ResetsInjected => Volatile.Read(ref _resetsInjected);

    /// <summary>Episodes run per fault kind.</summary>
    public IReadOnlyDictionary<ChaosFaultKinds, int> Episodes => _episodes;

    /// <summary>Endpoint changes made through discovery (each move to the second instance and each move back).</summary>
    public int EndpointSwapsMade => _swaps;

    /// <summary>Runs episodes until <paramref name="cancellationToken"/> fires, then clears every fault.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested && _enabled.Length > 0)
            {
                await ClearAsync().ConfigureAwait(false);
                var first = _enabled[_random.Next(_enabled.Length)];
                await StartAsync(first).ConfigureAwait(false);
                if (_random.Next(2) == 0)
                {
                    var second = _enabled[_random.Next(_enabled.Length)];
                    if (second != first)
                    {
                        await StartAsync(second).ConfigureAwait(false);
                    }
                }

                await Task.Delay(Episode, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The soak's window ended.
        }
        finally
        {
            await ClearAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ends the current episode: no fault stays on, and the service is back on its primary instance.</summary>
    public async ValueTask ClearAsync()
    {
        Volatile.Write(ref _resetting, 0);
        foreach (var service in _services)
        {
            var faults = service.Faults;
            faults.ErrorRate = 0;
            faults.ErrorRetryAfter = null;
            faults.ToolLatency = TimeSpan.Zero;
            faults.Gate.Release();
        }

        if (_swapped && _swap is not null)
        {
            _swapped = false;
            _swaps++;
            await _swap.Discovery.RegisterAsync(_swap.ServiceName, _swap.PrimaryAddress).ConfigureAwait(false);
        }
    }

    private async ValueTask StartAsync(ChaosFaultKinds kind)
    {
        _episodes[kind] = _episodes.GetValueOrDefault(kind) + 1;
        var retryAfter = _random.Next(2) == 0 ? "0" : "1";
        foreach (var service in _services)
        {
            var faults = service.Faults;
            switch (kind)
            {
                case ChaosFaultKinds.Resets:
                    Volatile.Write(ref _resetting, 1);
                    break;
                case ChaosFaultKinds.Stalls:
                    // Closed for part of the episode; released by the next Clear at the latest.
                    faults.Gate.Close();
                    _ = ReleaseLaterAsync(faults.Gate, TimeSpan.FromMilliseconds(300));
                    break;
                case ChaosFaultKinds.Unavailable:
                case ChaosFaultKinds.TooManyRequests:
                    faults.ErrorStatus = kind == ChaosFaultKinds.Unavailable ? 503 : 429;
                    faults.ErrorRetryAfter = retryAfter;
                    faults.ErrorRate = ErrorShare;
                    break;
                case ChaosFaultKinds.SessionLoss:
                    service.Mcp.ExpireSessions();
                    break;
                case ChaosFaultKinds.Slow:
                    faults.ToolLatency = TimeSpan.FromMilliseconds(20);
                    break;
                case ChaosFaultKinds.CutStreams:
                    service.Mcp.CutNextResponseStreamAfterEvents(1);
                    break;
            }
        }

        if (kind == ChaosFaultKinds.EndpointSwaps && _swap is not null && !_swapped)
        {
            // Calls in flight stay on the primary's draining connections; new ones go to the secondary.
            _swapped = true;
            _swaps++;
            await _swap.Discovery.RegisterAsync(_swap.ServiceName, _swap.Secondary.McpAddress).ConfigureAwait(false);
        }
    }

    private static async Task ReleaseLaterAsync(TestGate gate, TimeSpan after)
    {
        await Task.Delay(after).ConfigureAwait(false);
        gate.Release();
    }

    private ValueTask<bool> InterceptAsync(HttpContext context)
    {
        if (Volatile.Read(ref _resetting) == 0 || !HttpMethods.IsPost(context.Request.Method)
            || Random.Shared.NextDouble() >= ResetShare)
        {
            return ValueTask.FromResult(false);
        }

        Interlocked.Increment(ref _resetsInjected);
        context.Abort();
        return ValueTask.FromResult(true);
    }
}

/// <summary>Where the endpoint-swap fault moves a service: the client's own discovery, the service name it resolves,
/// the primary instance's address (moved back to) and the second instance.</summary>
/// <param name="Discovery">The discovery the soak's client resolves the service through.</param>
/// <param name="ServiceName">The service's name in <paramref name="Discovery"/>.</param>
/// <param name="PrimaryAddress">The primary instance's MCP endpoint.</param>
/// <param name="Secondary">The instance the service moves to during a swap episode.</param>
public sealed record EndpointSwap(InMemoryServiceDiscovery Discovery, string ServiceName, Uri PrimaryAddress, TestMcpService Secondary);
