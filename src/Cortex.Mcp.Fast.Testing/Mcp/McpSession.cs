using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using Cortex.Mcp.Fast.Testing.Internal;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>
/// One stateful-mode session: its negotiated protocol version, its standalone GET stream (stream id <c>0</c>),
/// the recent POST reply streams (kept for resumption, newest <see cref="MaxKeptStreams"/>), and its resource
/// subscriptions. Ending it cancels its running requests and ends its streams.
/// </summary>
#pragma warning disable CA1001 // The CancellationTokenSource has no timer; running requests may still hold its token.
internal sealed class McpSession
#pragma warning restore CA1001
{
    private const int MaxKeptStreams = 64;

    private readonly CancellationTokenSource _ended = new();
    private readonly ConcurrentDictionary<string, McpEventStream> _streams = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly TestMcpEndpoint _control;
    private readonly ConnectionRegistry _connections;
    private readonly CancellationToken _stopping;
    private int _lastStreamId;

    public McpSession(string protocolVersion, TestMcpEndpoint control, ConnectionRegistry connections,
        CancellationToken stopping)
    {
        // 128 random bits as 32 hex digits: visible ASCII, as the spec asks.
        Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        ProtocolVersion = protocolVersion;
        _control = control;
        _connections = connections;
        _stopping = stopping;
        Standalone = new McpEventStream("0", origin: null, priming: false, cutAfter: -1, control, connections, stopping);
        Ended = _ended.Token;
    }

    public string Id { get; }

    public string ProtocolVersion { get; }

    /// <summary>Fires when the session ends (DELETE, expiry, service stop does not fire it).</summary>
    public CancellationToken Ended { get; }

    public McpEventStream Standalone { get; }

    public ConcurrentDictionary<string, byte> Subscriptions { get; } = new(StringComparer.Ordinal);

    /// <summary>Priming events exist from protocol revision 2025-11-25 on.</summary>
    public bool Priming => string.CompareOrdinal(ProtocolVersion, McpVersions.Latest) >= 0;

    /// <summary>A new resumable reply stream for a POST, kept for later <c>Last-Event-ID</c> requests.</summary>
    public McpEventStream OpenPostStream(HttpContext origin, int cutAfter)
    {
        var id = Interlocked.Increment(ref _lastStreamId).ToString(CultureInfo.InvariantCulture);
        var stream = new McpEventStream(id, origin, Priming, cutAfter, _control, _connections, _stopping);
        _streams[id] = stream;
        _order.Enqueue(id);
        while (_order.Count > MaxKeptStreams && _order.TryDequeue(out var oldest))
        {
            _streams.TryRemove(oldest, out _);
        }

        return stream;
    }

    public bool TryGetStream(string id, out McpEventStream stream)
    {
        if (id == "0")
        {
            stream = Standalone;
            return true;
        }

        return _streams.TryGetValue(id, out stream!);
    }

    public void End()
    {
        try
        {
            _ended.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of a running request threw while stopping; the session ends all the same.
        }

        Standalone.Complete();
        foreach (var stream in _streams.Values)
        {
            stream.Complete();
        }
    }
}

/// <summary>The live sessions by id.</summary>
internal sealed class McpSessionStore
{
    private readonly ConcurrentDictionary<string, McpSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public void Add(McpSession session) => _sessions[session.Id] = session;

    public bool TryGet(string id, out McpSession session) => _sessions.TryGetValue(id, out session!);

    public bool TryEnd(string id)
    {
        if (!_sessions.TryRemove(id, out var session))
        {
            return false;
        }

        session.End();
        return true;
    }

    public int EndAll()
    {
        var count = 0;
        foreach (var id in _sessions.Keys)
        {
            if (TryEnd(id))
            {
                count++;
            }
        }

        return count;
    }

    public McpSession[] Snapshot() => [.. _sessions.Values];
}

/// <summary>Protocol versions: the client's is echoed when supported, else the latest.</summary>
internal static class McpVersions
{
    public const string Latest = "2025-11-25";
    public const string Previous = "2025-06-18";

    public static string Negotiate(string? requested) => requested == Previous ? Previous : Latest;
}
