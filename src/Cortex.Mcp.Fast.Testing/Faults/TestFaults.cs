using System.Collections.Concurrent;
using Cortex.Mcp.Fast.Testing.Internal;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// Faults a test scripts on a running <see cref="TestMcpService"/>. Every member is thread-safe and takes effect
/// for requests that arrive after the change.
/// </summary>
/// <remarks>
/// A request goes through, in order: <see cref="StallOnce"/>, <see cref="Intercept"/>, bearer authentication
/// (<see cref="ValidBearerToken"/>, <see cref="RejectNextTokens"/>); then a tool call goes through the
/// <see cref="Gate"/>, <see cref="ToolLatency"/>, <see cref="FailNext"/> and <see cref="ErrorRate"/> before the tool
/// runs. Injected errors use <see cref="ErrorBodyForm"/>.
/// </remarks>
public sealed class TestFaults
{
    /// <summary>Use as the tool name of <see cref="FailNext"/> to fail calls to any tool.</summary>
    public const string AnyTool = "*";

    private readonly Lock _randomLock = new();
    private readonly ConcurrentDictionary<string, FailPlan> _failNext = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FailPlan>.AlternateLookup<ReadOnlySpan<char>> _failNextLookup;
    private readonly int _seed;
    private Random _random;
    private long _toolLatencyTicks;
    private long _errorRateBits;
    private int _errorStatus = 503;
    private int _errorBodyForm;
    private string? _errorRetryAfter;
    private long _stallTicks;
    private string? _validBearerToken;
    private int _rejectNextTokens;
    private Func<HttpContext, ValueTask<bool>>? _intercept;
    private bool _hasFailurePlans; // ConcurrentDictionary.IsEmpty takes every lock when empty: not on the hot path

    internal TestFaults(TestMcpServiceOptions options)
    {
        _failNextLookup = _failNext.GetAlternateLookup<ReadOnlySpan<char>>();
        _seed = options.RandomSeed;
#pragma warning disable CA5394 // Seeded, repeatable fault injection; not security.
        _random = new Random(_seed);
#pragma warning restore CA5394
        _validBearerToken = options.RequiredBearerToken;
    }

    /// <summary>Holds tool calls until released. See <see cref="TestGate"/>.</summary>
    public TestGate Gate { get; } = new();

    /// <summary>Delay added to every tool call before it runs.</summary>
    /// <value>The default value is <see cref="TimeSpan.Zero"/>.</value>
    public TimeSpan ToolLatency
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _toolLatencyTicks));
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            Volatile.Write(ref _toolLatencyTicks, value.Ticks);
        }
    }

    /// <summary>The fraction (0 to 1) of tool calls that fail with <see cref="ErrorStatus"/>, drawn from a random
    /// source seeded with <see cref="TestMcpServiceOptions.RandomSeed"/>.</summary>
    /// <value>The default value is 0.</value>
    public double ErrorRate
    {
        get => BitConverter.Int64BitsToDouble(Volatile.Read(ref _errorRateBits));
        set
        {
            if (double.IsNaN(value) || value is < 0 or > 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "ErrorRate must be between 0 and 1.");
            }

            Volatile.Write(ref _errorRateBits, BitConverter.DoubleToInt64Bits(value));
        }
    }

    /// <summary>The HTTP status of calls failed by <see cref="ErrorRate"/>.</summary>
    /// <value>The default value is 503.</value>
    public int ErrorStatus
    {
        get => Volatile.Read(ref _errorStatus);
        set
        {
            ValidateStatus(value);
            Volatile.Write(ref _errorStatus, value);
        }
    }

    /// <summary>The <c>Retry-After</c> header value sent with calls failed by <see cref="ErrorRate"/>, if any.</summary>
    /// <value>The default value is <see langword="null"/> (no header).</value>
    public string? ErrorRetryAfter
    {
        get => Volatile.Read(ref _errorRetryAfter);
        set => Volatile.Write(ref _errorRetryAfter, value);
    }

    /// <summary>The body form of injected errors (<see cref="ErrorRate"/>, <see cref="FailNext"/>, and the
    /// <c>fail</c> and <c>flaky</c> tools unless their arguments say otherwise).</summary>
    /// <value>The default value is <see cref="Testing.ErrorBodyForm.JsonDetail"/>.</value>
    public ErrorBodyForm ErrorBodyForm
    {
        get => (ErrorBodyForm)Volatile.Read(ref _errorBodyForm);
        set => Volatile.Write(ref _errorBodyForm, (int)EnumGuard.Defined(value));
    }

    /// <summary>
    /// The only bearer token accepted; <see langword="null"/> turns authentication off. Starts as
    /// <see cref="TestMcpServiceOptions.RequiredBearerToken"/>; set it to rotate tokens during a test.
    /// </summary>
    public string? ValidBearerToken
    {
        get => Volatile.Read(ref _validBearerToken);
        set => Volatile.Write(ref _validBearerToken, value);
    }

    /// <summary>
    /// A hook that sees every request first (after <see cref="StallOnce"/>). Return <see langword="true"/> when it
    /// wrote the response itself; <see langword="false"/> to let the service handle the request as usual.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Func<HttpContext, ValueTask<bool>>? Intercept
    {
        get => Volatile.Read(ref _intercept);
        set => Volatile.Write(ref _intercept, value);
    }

    /// <summary>The next request (of any kind) waits <paramref name="duration"/> before it is handled; later
    /// requests do not. Calling it again replaces a stall that has not happened yet.</summary>
    public void StallOnce(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        Volatile.Write(ref _stallTicks, duration.Ticks);
    }

    /// <summary>
    /// The next <paramref name="count"/> calls to <paramref name="tool"/> (or to any tool, with <see cref="AnyTool"/>)
    /// fail with <paramref name="status"/>, with a <c>Retry-After</c> header when <paramref name="retryAfter"/> is
    /// given (delta seconds such as <c>"1"</c>, or an HTTP date). Replaces an earlier plan for the same tool.
    /// </summary>
    public void FailNext(string tool, int count, int status = 503, string? retryAfter = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(tool);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ValidateStatus(status);
        _failNext[tool] = new FailPlan(count, status, retryAfter);
        Volatile.Write(ref _hasFailurePlans, true);
    }

    /// <summary>The next <paramref name="count"/> requests that carry an otherwise valid bearer token get 401.
    /// Requests without a valid token do not use up the count.</summary>
    public void RejectNextTokens(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        Volatile.Write(ref _rejectNextTokens, count);
    }

    /// <summary>
    /// Clears every fault: no latency, no errors, default error status and body form, gate released, no stall, no
    /// intercept, no pending failures, and the random source re-seeded. The bearer token is left as it is.
    /// </summary>
    public void Reset()
    {
        ToolLatency = TimeSpan.Zero;
        ErrorRate = 0;
        ErrorStatus = 503;
        ErrorRetryAfter = null;
        ErrorBodyForm = ErrorBodyForm.JsonDetail;
        Intercept = null;
        Volatile.Write(ref _stallTicks, 0);
        Volatile.Write(ref _rejectNextTokens, 0);
        Volatile.Write(ref _hasFailurePlans, false);
        _failNext.Clear();
        lock (_randomLock)
        {
#pragma warning disable CA5394 // Seeded, repeatable fault injection; not security.
            _random = new Random(_seed);
#pragma warning restore CA5394
        }

        Gate.Release();
    }

    /// <summary>Takes the pending stall, if any (so only one request gets it).</summary>
    internal TimeSpan TakeStall()
    {
        var ticks = Volatile.Read(ref _stallTicks) == 0 ? 0 : Interlocked.Exchange(ref _stallTicks, 0);
        return TimeSpan.FromTicks(ticks);
    }

    /// <summary>True when this request must be rejected by <see cref="RejectNextTokens"/>.</summary>
    internal bool TakeTokenRejection() => TryTakeOne(ref _rejectNextTokens);

    /// <summary>Takes one planned failure for this tool (or for any tool), if there is one.</summary>
    internal bool TryTakeFailure(ReadOnlySpan<char> tool, out int status, out string? retryAfter)
    {
        if (HasFailurePlans
            && ((_failNextLookup.TryGetValue(tool, out var plan) && plan.TryTake())
                || (_failNext.TryGetValue(AnyTool, out plan) && plan.TryTake())))
        {
            status = plan.Status;
            retryAfter = plan.RetryAfter;
            return true;
        }

        status = 0;
        retryAfter = null;
        return false;
    }

    /// <summary>True when some <see cref="FailNext"/> plan exists (possibly used up).</summary>
    internal bool HasFailurePlans => Volatile.Read(ref _hasFailurePlans);

    /// <summary>Draws whether this call fails by <see cref="ErrorRate"/>.</summary>
    internal bool ShouldFailRandomly()
    {
        var rate = ErrorRate;
        if (rate <= 0)
        {
            return false;
        }

        lock (_randomLock)
        {
#pragma warning disable CA5394 // Seeded, repeatable fault injection; not security.
            return _random.NextDouble() < rate;
#pragma warning restore CA5394
        }
    }

    /// <summary>Decrements <paramref name="remaining"/> if it is positive (lock-free; concurrent takers never take
    /// more than there was).</summary>
    private static bool TryTakeOne(ref int remaining)
    {
        while (true)
        {
            var current = Volatile.Read(ref remaining);
            if (current <= 0)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref remaining, current - 1, current) == current)
            {
                return true;
            }
        }
    }

    private static void ValidateStatus(int status)
    {
        if (status is < 100 or > 999)
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "An HTTP status is between 100 and 999.");
        }
    }

    private sealed class FailPlan(int count, int status, string? retryAfter)
    {
        private int _remaining = count;

        public int Status { get; } = status;

        public string? RetryAfter { get; } = retryAfter;

        public bool TryTake() => TryTakeOne(ref _remaining);
    }
}
