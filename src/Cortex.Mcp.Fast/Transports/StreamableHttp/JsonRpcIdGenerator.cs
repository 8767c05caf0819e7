namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// Hands out the ids of our requests within one session: 1, 2, 3, … Thread-safe and lock-free.
/// </summary>
/// <remarks>
/// Ids must be unique per session: server-everything hangs the first of two in-flight requests that share an id
/// (MCP-WIRE.md §2.5). We start at 1 although 0 is a valid id, so a zeroed or default id in a bug report is never
/// one of ours. Ids stay at or below 2^53 − 1 because TypeScript servers parse them as doubles: a larger id would
/// come back rounded and match nothing. After that (never, in practice) the counter wraps to 1; a session that
/// long has no request of that age still in flight.
/// </remarks>
internal sealed class JsonRpcIdGenerator
{
    /// <summary>Largest id we send: <c>Number.MAX_SAFE_INTEGER</c> in JavaScript.</summary>
    public const long MaxId = (1L << 53) - 1;

    /// <summary>The last id handed out; only changed by <see cref="Interlocked"/> operations.</summary>
    private long _last;

    /// <summary>Creates a generator whose first id is 1.</summary>
    public JsonRpcIdGenerator()
    {
    }

    /// <summary>For tests: a generator whose next id is <paramref name="last"/> + 1.</summary>
    internal JsonRpcIdGenerator(long last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(last);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(last, MaxId);
        _last = last;
    }

    /// <summary>The next id, unique among the last 2^53 − 1 handed out.</summary>
    public long Next()
    {
        var id = Interlocked.Increment(ref _last);
        if (id <= MaxId)
        {
            return id;
        }

        // Rare wrap: CAS loop so that concurrent callers past the limit each still get a distinct id.
        while (true)
        {
            var seen = Volatile.Read(ref _last);
            var next = seen > MaxId || seen < 1 ? 1 : seen + 1;
            if (Interlocked.CompareExchange(ref _last, next, seen) == seen)
            {
                return next;
            }
        }
    }
}
