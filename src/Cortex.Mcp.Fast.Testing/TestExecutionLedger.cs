using Cortex.Mcp.Fast.Testing.Mcp;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// Counts how many times the service actually ran each identified tool call: an MCP <c>tools/call</c> whose
/// arguments carry a non-negative integer <c>"execId"</c> is recorded under it when the tool runs (after the gate,
/// latency and injected failures, so a refused or cut-off attempt is not an execution). A soak proves with it that a
/// non-idempotent call was never executed twice.
/// </summary>
/// <remarks>
/// Ids are dense integers (a load harness numbers its calls 0, 1, 2…), so the ledger is a chunked array of counters:
/// 4 bytes per id, allocated 64 Ki ids at a time, lock-free on the request path. Ids above <see cref="MaxId"/> are
/// counted in <see cref="OutOfRange"/> only.
/// </remarks>
public sealed class TestExecutionLedger
{
    /// <summary>The largest id recorded per id.</summary>
    public const int MaxId = (1 << 26) - 1;

    private const int ChunkBits = 16;
    private const int ChunkSize = 1 << ChunkBits;

    private readonly int[]?[] _chunks = new int[]?[(MaxId >> ChunkBits) + 1];
    private long _executions;
    private long _duplicates;
    private long _outOfRange;
    private int _highestId = -1;

    internal TestExecutionLedger()
    {
    }

    /// <summary>Identified executions recorded.</summary>
    public long Executions => Volatile.Read(ref _executions);

    /// <summary>Executions of an id that had already run (each second, third… run counts once).</summary>
    public long Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Executions whose id was above <see cref="MaxId"/> (not recorded per id).</summary>
    public long OutOfRange => Volatile.Read(ref _outOfRange);

    /// <summary>The highest id recorded, or -1.</summary>
    public int HighestId => Volatile.Read(ref _highestId);

    /// <summary>How many times the call with this id ran.</summary>
    public int ExecutionsOf(int id)
    {
        if (id is < 0 or > MaxId)
        {
            return 0;
        }

        var chunk = Volatile.Read(ref _chunks[id >> ChunkBits]);
        return chunk is null ? 0 : Volatile.Read(ref chunk[id & (ChunkSize - 1)]);
    }

    /// <summary>Records one execution of the call with this id.</summary>
    public void Record(int id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (id > MaxId)
        {
            Interlocked.Increment(ref _outOfRange);
            return;
        }

        ref var slot = ref _chunks[id >> ChunkBits];
        var chunk = Volatile.Read(ref slot);
        if (chunk is null)
        {
            // Losers of the race drop their fresh chunk and use the winner's.
            chunk = Interlocked.CompareExchange(ref slot, new int[ChunkSize], null) ?? Volatile.Read(ref slot)!;
        }

        if (Interlocked.Increment(ref chunk[id & (ChunkSize - 1)]) > 1)
        {
            Interlocked.Increment(ref _duplicates);
        }

        Interlocked.Increment(ref _executions);
        var highest = Volatile.Read(ref _highestId);
        while (id > highest)
        {
            var seen = Interlocked.CompareExchange(ref _highestId, id, highest);
            if (seen == highest)
            {
                break;
            }

            highest = seen;
        }
    }

    /// <summary>Records the call if its arguments carry an <c>"execId"</c>.</summary>
    internal void Record(ReadOnlySpan<byte> arguments)
    {
        if (McpArgs.TryGetInt(arguments, "execId"u8, -1, 0, int.MaxValue, out var id) && id >= 0)
        {
            Record(id);
        }
    }
}
