using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Cortex.Mcp.Fast.Testing.Internal;
using Pipelines.Sockets.Unofficial;

namespace Cortex.Mcp.Fast.Testing;

/// <summary>
/// A raw TCP server on 127.0.0.1 (port 0) that answers every connection with one <see cref="RawFault"/>: resets,
/// early closes, lying lengths, endless lines, hangs, garbage. Each connection is a Pipelines.Sockets.Unofficial
/// <see cref="SocketConnection"/>. Point an HTTP client at <see cref="BaseAddress"/>.
/// </summary>
/// <remarks>
/// After a fault has run, the server closes its side (FIN) and waits for the client to close (so that what it sent
/// is not cut off by an early close), except <see cref="RawFault.ResetBeforeHeaders"/>, which resets at once.
/// <see cref="DisposeAsync"/> stops listening and ends every connection promptly. Thread-safe.
/// </remarks>
public sealed class RawTcpTestServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly RawFault _fault;
    private readonly CancellationTokenSource _disposing = new();
    private readonly ConcurrentDictionary<Task, byte> _connections = new();
    private readonly ConditionWaiters _waiters = new();
    private readonly Task _acceptLoop;
    private int _acceptedConnections;
    private int _openConnections;
    private int _requests;
    private int _disposed;

    private RawTcpTestServer(RawFault fault)
    {
        _fault = fault;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener.Listen(128);
        }
        catch
        {
            _listener.Dispose();
            throw;
        }

        var port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary><c>http://127.0.0.1:{port}/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The fault this server plays.</summary>
    public RawFault Fault => _fault;

    /// <summary>TCP connections accepted so far.</summary>
    public int AcceptedConnections => Volatile.Read(ref _acceptedConnections);

    /// <summary>Connections not yet closed by the server.</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>Request heads read so far (by the built-in faults).</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts listening on 127.0.0.1 with a free port.</summary>
    public static RawTcpTestServer Start(RawFault fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return new RawTcpTestServer(fault);
    }

    /// <summary>Completes when <paramref name="condition"/> holds; it is checked now and after every change of
    /// <see cref="AcceptedConnections"/>, <see cref="OpenConnections"/> or <see cref="Requests"/>.</summary>
    public Task WaitUntilAsync(Func<RawTcpTestServer, bool> condition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return _waiters.WaitAsync(() => condition(this), cancellationToken);
    }

    /// <summary>Stops listening, ends every connection, and waits (briefly) for their handlers to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _disposing.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        try
        {
            await Task.WhenAll([_acceptLoop, .. _connections.Keys]).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A custom handler that ignores its token; the sockets are closed anyway.
        }

        _disposing.Dispose();
    }

    internal void OnRequest()
    {
        Interlocked.Increment(ref _requests);
        _waiters.Notify();
    }

    private async Task AcceptLoopAsync()
    {
        var ct = _disposing.Token;
        while (!ct.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            Interlocked.Increment(ref _acceptedConnections);
            Interlocked.Increment(ref _openConnections);
            _waiters.Notify();
            var task = Task.Run(() => RunConnectionAsync(socket, ct), CancellationToken.None);
            _connections.TryAdd(task, 0);
            _ = task.ContinueWith(static (t, state) => ((ConcurrentDictionary<Task, byte>)state!).TryRemove(t, out _),
                _connections, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private async Task RunConnectionAsync(Socket socket, CancellationToken ct)
    {
        SocketConnection.SetRecommendedServerOptions(socket);
        var connection = SocketConnection.Create(socket, name: "raw-" + _fault.Name);
        using var stop = ct.Register(static s => RawFault.Reset((Socket)s!), socket);
        try
        {
            await _fault.RunAsync(connection, this, ct).ConfigureAwait(false);
            if (_fault != RawFault.ResetBeforeHeaders)
            {
                // Let what was written reach the client (the send loop flushes, then sends FIN), and close only
                // after the client has: closing first with unread input would turn the FIN into a RST.
                await connection.Output.CompleteAsync().ConfigureAwait(false);
                await RawFault.DrainUntilClosedAsync(connection.Input, ct).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // Whatever a hostile fault or a vanished client throws only ends this connection.
        catch (Exception)
#pragma warning restore CA1031
        {
            RawFault.Reset(socket);
        }
        finally
        {
            connection.Dispose();
            Interlocked.Decrement(ref _openConnections);
            _waiters.Notify();
        }
    }
}
