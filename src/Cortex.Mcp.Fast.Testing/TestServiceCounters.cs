using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Testing.Internal;
using Microsoft.AspNetCore.Connections;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// What a <see cref="TestMcpService"/> has seen: requests per tool and per resource path, and TCP connections.
/// </summary>
/// <remarks>
/// Thread-safe and lock-free on the request path (interlocked counters). Instead of sleeping or polling, a test
/// awaits <see cref="WaitUntilAsync"/> (or one of its shortcuts), which completes as soon as the condition holds.
/// A request is counted when it arrives, before any fault, gate or authentication check.
/// </remarks>
public sealed class TestServiceCounters
{
    private readonly ConcurrentDictionary<string, StrongBox<long>> _tools = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<long>> _resources = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, StrongBox<long>>.AlternateLookup<ReadOnlySpan<char>> _toolLookup;
    private readonly ConcurrentDictionary<string, StrongBox<long>>.AlternateLookup<ReadOnlySpan<char>> _resourceLookup;
    private readonly ConditionWaiters _waiters = new();
    private long _totalRequests;
    private long _toolRequests;
    private long _resourceRequests;
    private long _acceptedConnections;
    private int _openConnections;

    internal TestServiceCounters()
    {
        _toolLookup = _tools.GetAlternateLookup<ReadOnlySpan<char>>();
        _resourceLookup = _resources.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Every HTTP request received, whatever its path or outcome.</summary>
    public long TotalRequests => Volatile.Read(ref _totalRequests);

    /// <summary>Every <c>POST /tool/{name}</c> request received, for any tool (known or not), plus every MCP
    /// <c>tools/call</c> (counted under its tool name once the JSON-RPC body is parsed, after authentication and
    /// before the tool faults).</summary>
    public long TotalToolRequests => Volatile.Read(ref _toolRequests);

    /// <summary>Every <c>GET /resource/{path}</c> request received, plus every MCP <c>resources/read</c> (counted
    /// under its URI, for example <c>test://text/1</c>).</summary>
    public long TotalResourceRequests => Volatile.Read(ref _resourceRequests);

    /// <summary>TCP connections currently open (counted by Kestrel connection middleware, below TLS).</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Executions of MCP tool calls identified by an <c>"execId"</c> argument (see
    /// <see cref="TestExecutionLedger"/>).</summary>
    public TestExecutionLedger Executions { get; } = new();

    /// <summary>TCP connections accepted since the service started.</summary>
    public long AcceptedConnections => Volatile.Read(ref _acceptedConnections);

    /// <summary>Requests received for one tool (by exact name, ordinal).</summary>
    public long ToolRequests(string tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return _tools.TryGetValue(tool, out var box) ? Volatile.Read(ref box.Value) : 0;
    }

    /// <summary>Requests received for resource paths that start with <paramref name="pathPrefix"/> (ordinal;
    /// the path is the part after <c>/resource/</c>, for example <c>events/3</c>). An empty prefix counts all.</summary>
    public long ResourceRequests(string pathPrefix)
    {
        ArgumentNullException.ThrowIfNull(pathPrefix);
        long sum = 0;
        foreach (var (path, box) in _resources)
        {
            if (path.StartsWith(pathPrefix, StringComparison.Ordinal))
            {
                sum += Volatile.Read(ref box.Value);
            }
        }

        return sum;
    }

    /// <summary>A snapshot of the per-tool request counts.</summary>
    public IReadOnlyDictionary<string, long> ToolRequestsSnapshot()
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (tool, box) in _tools)
        {
            result[tool] = Volatile.Read(ref box.Value);
        }

        return result;
    }

    /// <summary>
    /// Completes when <paramref name="condition"/> holds. The condition is checked now and after every change of
    /// any counter; it must be cheap and must not block.
    /// </summary>
    public Task WaitUntilAsync(Func<TestServiceCounters, bool> condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return _waiters.WaitAsync(() => condition(this), cancellationToken);
    }

    /// <summary>Completes when at least <paramref name="count"/> requests for <paramref name="tool"/> have arrived.</summary>
    public Task WaitForRequestsAsync(string tool, long count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tool);
        return WaitUntilAsync(c => c.ToolRequests(tool) >= count, cancellationToken);
    }

    /// <summary>Completes when at least <paramref name="count"/> requests of any kind have arrived.</summary>
    public Task WaitForTotalRequestsAsync(long count, CancellationToken cancellationToken = default)
        => WaitUntilAsync(c => c.TotalRequests >= count, cancellationToken);

    /// <summary>Completes when exactly <paramref name="count"/> connections are open (for example 0 after a client
    /// disposed its handler).</summary>
    public Task WaitForOpenConnectionsAsync(int count, CancellationToken cancellationToken = default)
        => WaitUntilAsync(c => c.OpenConnections == count, cancellationToken);

    internal void OnRequest()
    {
        Interlocked.Increment(ref _totalRequests);
        _waiters.Notify();
    }

    internal void OnToolRequest(ReadOnlySpan<char> tool)
    {
        Interlocked.Increment(ref _toolRequests);
        Interlocked.Increment(ref GetOrAdd(_toolLookup, tool).Value);
        _waiters.Notify();
    }

    internal void OnResourceRequest(ReadOnlySpan<char> path)
    {
        Interlocked.Increment(ref _resourceRequests);
        Interlocked.Increment(ref GetOrAdd(_resourceLookup, path).Value);
        _waiters.Notify();
    }

    /// <summary>Kestrel connection middleware: counts accepted and open connections.</summary>
    internal ConnectionDelegate CountConnections(ConnectionDelegate next) => async connection =>
    {
        Interlocked.Increment(ref _acceptedConnections);
        Interlocked.Increment(ref _openConnections);
        _waiters.Notify();
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _openConnections);
            _waiters.Notify();
        }
    };

    private static StrongBox<long> GetOrAdd(
        ConcurrentDictionary<string, StrongBox<long>>.AlternateLookup<ReadOnlySpan<char>> lookup,
        ReadOnlySpan<char> key)
    {
        if (lookup.TryGetValue(key, out var box))
        {
            return box;
        }

        return lookup.Dictionary.GetOrAdd(key.ToString(), static _ => new StrongBox<long>());
    }
}
