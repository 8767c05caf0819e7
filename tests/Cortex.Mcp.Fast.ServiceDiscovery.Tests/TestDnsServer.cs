using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cortex.Mcp.Fast.ServiceDiscovery.Tests;

/// <summary>One SRV record the test server answers with.</summary>
internal sealed record SrvEntry(ushort Priority, ushort Weight, ushort Port, string Target, int Ttl = 30);

/// <summary>
/// A tiny authoritative DNS server over UDP on 127.0.0.1 (port 0): answers SRV queries (with the targets' A and AAAA
/// records in the additional section unless <see cref="IncludeAdditionals"/> is off) and A/AAAA queries, counts every
/// query by name and type, can change its answer, fail with an error code, or go silent. Names are compared without
/// case and without the trailing dot; an unknown name gets NXDOMAIN.
/// </summary>
internal sealed class TestDnsServer : IAsyncDisposable
{
    private const ushort TypeA = 1;
    private const ushort TypeSrv = 33;
    private const ushort TypeAaaa = 28;

    private readonly UdpClient _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SrvEntry[]> _srv = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (int Ttl, IPAddress[] Addresses)> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<(string, ushort), int> _counts = [];
    private readonly List<(Func<bool> Condition, TaskCompletionSource Signal)> _waiters = [];

    public TestDnsServer()
    {
        _socket = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        EndPoint = (IPEndPoint)_socket.Client.LocalEndPoint!;
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>Where the server listens.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>Whether SRV answers carry the targets' addresses. On by default.</summary>
    public bool IncludeAdditionals { get; set; } = true;

    /// <summary>When true, queries are counted but never answered.</summary>
    public bool Silent { get; set; }

    /// <summary>When set, every query is answered with this response code (2 = SERVFAIL) and no records.</summary>
    public int? FailWith { get; set; }

    /// <summary>Sets (or, with no entries, keeps as an empty answer) the SRV records of <paramref name="name"/>.</summary>
    public void SetSrv(string name, params SrvEntry[] entries)
    {
        lock (_gate)
        {
            _srv[Normalise(name)] = entries;
        }
    }

    /// <summary>Sets the A and AAAA records of <paramref name="host"/>.</summary>
    public void SetHost(string host, int ttl, params IPAddress[] addresses)
    {
        lock (_gate)
        {
            _hosts[Normalise(host)] = (ttl, addresses);
        }
    }

    /// <summary>How many queries of <paramref name="type"/> ("SRV", "A", "AAAA") for <paramref name="name"/> arrived.</summary>
    public int Count(string name, string type)
    {
        lock (_gate)
        {
            return _counts.GetValueOrDefault((Normalise(name), TypeOf(type)));
        }
    }

    /// <summary>Completes when at least <paramref name="count"/> such queries have arrived.</summary>
    public Task WaitForQueriesAsync(string name, string type, int count, CancellationToken cancellationToken)
    {
        var key = (Normalise(name), TypeOf(type));
        lock (_gate)
        {
            if (_counts.GetValueOrDefault(key) >= count)
            {
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((() => _counts.GetValueOrDefault(key) >= count, signal));
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _socket.Dispose();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }

    private static ushort TypeOf(string type) => type switch
    {
        "SRV" => TypeSrv,
        "A" => TypeA,
        "AAAA" => TypeAaaa,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    private static string Normalise(string name) => name.TrimEnd('.').ToLowerInvariant();

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult received;
            try
            {
                received = await _socket.ReceiveAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue; // an ICMP "port unreachable" from an earlier reply surfaces here on some systems
            }

            var reply = Answer(received.Buffer);
            if (reply is not null)
            {
                try
                {
                    await _socket.SendAsync(reply, received.RemoteEndPoint, _stop.Token);
                }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
                {
                }
            }
        }
    }

    /// <summary>The reply to one query message, or null to stay silent.</summary>
    private byte[]? Answer(byte[] query)
    {
        // Header (12 bytes), then one question: a name as labels, its type and class.
        var offset = 12;
        var labels = new List<string>();
        while (query[offset] != 0)
        {
            int length = query[offset];
            labels.Add(Encoding.ASCII.GetString(query, offset + 1, length));
            offset += length + 1;
        }

        offset++;
        var name = string.Join('.', labels);
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(offset));
        var questionEnd = offset + 4;

        var answers = new List<byte[]>();
        var additionals = new List<byte[]>();
        int rcode;
        lock (_gate)
        {
            _counts[(Normalise(name), type)] = _counts.GetValueOrDefault((Normalise(name), type)) + 1;
            foreach (var waiter in _waiters.Where(w => w.Condition()).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Signal.TrySetResult();
            }

            if (Silent)
            {
                return null;
            }

            rcode = FailWith ?? 0;
            if (rcode == 0)
            {
                rcode = Lookup(name, type, answers, additionals) ? 0 : 3;
            }
        }

        var reply = new List<byte>();
        reply.AddRange(query.AsSpan(0, 2).ToArray());                                  // id
        var recursionDesired = (query[2] & 0x01) != 0;
        reply.Add((byte)(0x84 | (recursionDesired ? 0x01 : 0)));                       // QR, AA, RD as asked
        reply.Add((byte)(0x80 | rcode));                                               // RA, RCODE
        AddUInt16(reply, 1);
        AddUInt16(reply, (ushort)answers.Count);
        AddUInt16(reply, 0);
        AddUInt16(reply, (ushort)additionals.Count);
        reply.AddRange(query.AsSpan(12, questionEnd - 12).ToArray());
        answers.ForEach(reply.AddRange);
        additionals.ForEach(reply.AddRange);
        return [.. reply];
    }

    /// <summary>Fills the records of a name; false when the name is unknown (NXDOMAIN).</summary>
    private bool Lookup(string name, ushort type, List<byte[]> answers, List<byte[]> additionals)
    {
        var key = Normalise(name);
        if (_srv.TryGetValue(key, out var entries))
        {
            if (type == TypeSrv)
            {
                foreach (var entry in entries)
                {
                    var data = new List<byte>();
                    AddUInt16(data, entry.Priority);
                    AddUInt16(data, entry.Weight);
                    AddUInt16(data, entry.Port);
                    data.AddRange(EncodeName(entry.Target));
                    answers.Add(Record(name, TypeSrv, entry.Ttl, [.. data]));
                    if (IncludeAdditionals && _hosts.TryGetValue(Normalise(entry.Target), out var host))
                    {
                        additionals.AddRange(AddressRecords(entry.Target, host.Ttl, host.Addresses, TypeA));
                        additionals.AddRange(AddressRecords(entry.Target, host.Ttl, host.Addresses, TypeAaaa));
                    }
                }
            }

            return true;
        }

        if (_hosts.TryGetValue(key, out var addresses))
        {
            if (type is TypeA or TypeAaaa)
            {
                answers.AddRange(AddressRecords(name, addresses.Ttl, addresses.Addresses, type));
            }

            return true;
        }

        return false;
    }

    private static IEnumerable<byte[]> AddressRecords(string name, int ttl, IPAddress[] addresses, ushort type) =>
        addresses
            .Where(a => a.AddressFamily == (type == TypeA ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6))
            .Select(a => Record(name, type, ttl, a.GetAddressBytes()));

    private static byte[] Record(string name, ushort type, int ttl, byte[] data)
    {
        var record = new List<byte>(EncodeName(name));
        AddUInt16(record, type);
        AddUInt16(record, 1); // IN
        record.Add((byte)(ttl >> 24));
        record.Add((byte)(ttl >> 16));
        record.Add((byte)(ttl >> 8));
        record.Add((byte)ttl);
        AddUInt16(record, (ushort)data.Length);
        record.AddRange(data);
        return [.. record];
    }

    private static byte[] EncodeName(string name)
    {
        var result = new List<byte>();
        foreach (var label in Normalise(name).Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            result.Add((byte)label.Length);
            result.AddRange(Encoding.ASCII.GetBytes(label));
        }

        result.Add(0);
        return [.. result];
    }

    private static void AddUInt16(List<byte> target, ushort value)
    {
        target.Add((byte)(value >> 8));
        target.Add((byte)value);
    }
}
