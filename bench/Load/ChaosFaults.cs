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

    /// <summary>Every fault.</summary>
    All = Resets | Stalls | Unavailable | TooManyRequests | SessionLoss | Slow | CutStreams,
}

/// <summary>
/// Drives the embedded service's faults during a soak: every <see cref="Episode"/> it clears the previous episode and
/// draws one or two enabled faults (seeded, so runs repeat their schedule) for the next one, counting what it
/// injected. Resets go through the service's intercept hook, which aborts the connection of a share of MCP POSTs.
/// </summary>
public sealed class ChaosFaults
{
    /// <summary>The length of one fault episode.</summary>
    public static readonly TimeSpan Episode = TimeSpan.FromSeconds(1);

    private const double ResetShare = 0.05;
    private const double ErrorShare = 0.15;

    private static readonly ChaosFaultKinds[] Kinds =
    [
        ChaosFaultKinds.Resets, ChaosFaultKinds.Stalls, ChaosFaultKinds.Unavailable, ChaosFaultKinds.TooManyRequests,
        ChaosFaultKinds.SessionLoss, ChaosFaultKinds.Slow, ChaosFaultKinds.CutStreams,
    ];

    private readonly TestMcpService _service;
    private readonly ChaosFaultKinds[] _enabled;
    private readonly Random _random;
    private readonly Dictionary<ChaosFaultKinds, int> _episodes = [];
    private long _resetsInjected;
    private int _resetting;

    /// <param name="service">The in-process service to disturb.</param>
    /// <param name="enabled">The faults to draw from.</param>
    /// <param name="seed">Seed of the schedule.</param>
    public ChaosFaults(TestMcpService service, ChaosFaultKinds enabled, int seed)
    {
        ArgumentNullException.ThrowIfNull(service);
        _service = service;
        _enabled = [.. Kinds.Where(k => enabled.HasFlag(k))];
        _random = new Random(seed);
        service.Faults.Intercept = InterceptAsync;
    }

    /// <summary>Connections aborted by the reset fault (server side: each is one attempt that never ran).</summary>
    public long ResetsInjected => Volatile.Read(ref _resetsInjected);

    /// <summary>Episodes run per fault kind.</summary>
    public IReadOnlyDictionary<ChaosFaultKinds, int> Episodes => _episodes;

    /// <summary>Runs episodes until <paramref name="cancellationToken"/> fires, then clears every fault.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested && _enabled.Length > 0)
            {
                Clear();
                var first = _enabled[_random.Next(_enabled.Length)];
                Start(first);
                if (_random.Next(2) == 0)
                {
                    var second = _enabled[_random.Next(_enabled.Length)];
                    if (second != first)
                    {
                        Start(second);
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
            Clear();
        }
    }

    /// <summary>Ends the current episode: no fault stays on.</summary>
    public void Clear()
    {
        var faults = _service.Faults;
        Volatile.Write(ref _resetting, 0);
        faults.ErrorRate = 0;
        faults.ErrorRetryAfter = null;
        faults.ToolLatency = TimeSpan.Zero;
        faults.Gate.Release();
    }

    private void Start(ChaosFaultKinds kind)
    {
        _episodes[kind] = _episodes.GetValueOrDefault(kind) + 1;
        var faults = _service.Faults;
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
                faults.ErrorRetryAfter = _random.Next(2) == 0 ? "0" : "1";
                faults.ErrorRate = ErrorShare;
                break;
            case ChaosFaultKinds.SessionLoss:
                _service.Mcp.ExpireSessions();
                break;
            case ChaosFaultKinds.Slow:
                faults.ToolLatency = TimeSpan.FromMilliseconds(20);
                break;
            case ChaosFaultKinds.CutStreams:
                _service.Mcp.CutNextResponseStreamAfterEvents(1);
                break;
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
