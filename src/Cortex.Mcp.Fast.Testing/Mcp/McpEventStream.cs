using System.Globalization;
using System.Text;
using Cortex.Mcp.Fast.Testing.Internal;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>
/// One SSE stream of JSON-RPC messages: a POST reply, or a session's standalone GET stream. Events are written to
/// the stream's current target response (if any) and, when the stream is resumable, logged with ids
/// <c>{streamId}-{n}</c> so that a GET with <c>Last-Event-ID</c> can replay the rest, even after the target went
/// away or was cut on purpose.
/// </summary>
/// <remarks>
/// Writes are serialised by one async lock, so events reach the log and the wire in id order; a write to a target
/// that has gone away detaches it (the log goes on). The scripted cut (<see cref="TestMcpEndpoint.CutNextResponseStreamAfterEvents"/>)
/// completes the original target's transport output after that many events (the priming event counts), like the
/// REST <c>cut</c> resource, and holds everything later back for a resuming GET.
/// </remarks>
#pragma warning disable CA1001 // The SemaphoreSlim never allocates a wait handle (only WaitAsync is used): nothing to dispose.
internal sealed class McpEventStream
#pragma warning restore CA1001
{
    private const int MaxLoggedEvents = 1024;

    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<byte[]>? _log;
    private readonly ConnectionRegistry _connections;
    private readonly TestMcpEndpoint _control;
    private readonly HttpContext? _origin;
    private readonly int _cutAfter;
    private readonly bool _priming;
    private readonly CancellationToken _stopping;
    private HttpContext? _target;
    private long _firstLogged;
    private long _next;
    private int _writtenToOrigin;
    private bool _started;

    /// <summary>Creates a stream. <paramref name="id"/> null: not resumable (no ids, no log).
    /// <paramref name="origin"/>: the POST whose reply this is (null for a standalone stream).</summary>
    public McpEventStream(string? id, HttpContext? origin, bool priming, int cutAfter, TestMcpEndpoint control,
        ConnectionRegistry connections, CancellationToken stopping)
    {
        Id = id;
        _origin = origin;
        _target = origin;
        _priming = priming && id is not null;
        _cutAfter = id is null ? -1 : cutAfter;
        _control = control;
        _connections = connections;
        _stopping = stopping;
        _log = id is null ? null : [];
    }

    public string? Id { get; }

    /// <summary>True once the reply started (headers sent): an HTTP error status is no longer possible.</summary>
    public bool Started => Volatile.Read(ref _started);

    /// <summary>True when the scripted cut ended the original POST's connection.</summary>
    public bool WasCut { get; private set; }

    public bool IsCompleted => _completed.Task.IsCompleted;

    /// <summary>Sends the POST reply's headers, then the priming event (2025-11-25 and later) and a scripted server
    /// <c>ping</c> request. Idempotent.</summary>
    public async ValueTask StartAsync()
    {
        if (Started)
        {
            return;
        }

        await _lock.WaitAsync(_stopping).ConfigureAwait(false);
        try
        {
            await StartLockedAsync().ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Appends one JSON-RPC message (copied before this returns).</summary>
    public ValueTask AppendAsync(ReadOnlySpan<byte> message) => AppendCopyAsync(message.ToArray());

    /// <summary>No more events: the response was sent, or the request ended without one.</summary>
    public void Complete() => _completed.TrySetResult();

    /// <summary>
    /// Makes <paramref name="context"/>'s response the stream's target: replays the logged events after
    /// <paramref name="afterIndex"/> (none when negative), then forwards new events until the stream completes or
    /// <paramref name="cancellationToken"/> fires. With <paramref name="exclusive"/>, fails (false, nothing
    /// written) when another target is attached; otherwise the new target replaces the old one.
    /// </summary>
    public async Task<bool> AttachAsync(HttpContext context, long afterIndex, bool exclusive, Action? onAttached,
        Action? onDetached, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (exclusive && _target is not null)
            {
                return false;
            }

            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = McpJson.EventStreamContentType;
            response.Headers.CacheControl = "no-cache";
            await response.StartAsync(cancellationToken).ConfigureAwait(false);
            await response.BodyWriter.FlushAsync(cancellationToken).ConfigureAwait(false); // headers on the wire now
            _target = context;
            if (afterIndex >= 0 && _log is not null)
            {
                for (var i = Math.Max(afterIndex + 1, _firstLogged); i < _next && _target is not null; i++)
                {
                    await WriteLockedAsync(_log[(int)(i - _firstLogged)]).ConfigureAwait(false);
                }
            }

            onAttached?.Invoke();
        }
        finally
        {
            _lock.Release();
        }

        try
        {
            await _completed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left, the session ended or the service is stopping.
        }
        finally
        {
            await DetachAsync(context).ConfigureAwait(false);
            onDetached?.Invoke();
        }

        return true;
    }

    /// <summary>Stops writing to <paramref name="context"/> if it is still the target.</summary>
    public async Task DetachAsync(HttpContext context)
    {
        await _lock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        if (ReferenceEquals(_target, context))
        {
            _target = null;
        }

        _lock.Release();
    }

    /// <summary>True when a target (other than a cut or gone one) receives events right now.</summary>
    public bool HasTarget => Volatile.Read(ref _target) is not null;

    private async ValueTask AppendCopyAsync(byte[] message)
    {
        await _lock.WaitAsync(_stopping).ConfigureAwait(false);
        try
        {
            if (_origin is not null)
            {
                await StartLockedAsync().ConfigureAwait(false);
            }

            await AddLockedAsync(message, isPriming: false).ConfigureAwait(false);
        }
        finally
        {
            _lock.Release();
        }
    }

    private async ValueTask StartLockedAsync()
    {
        if (_started || _origin is null)
        {
            return;
        }

        var response = _origin.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = McpJson.EventStreamContentType;
        response.Headers.CacheControl = "no-cache";
        Volatile.Write(ref _started, true);
        try
        {
            await response.StartAsync(_stopping).ConfigureAwait(false);
            await response.BodyWriter.FlushAsync(_stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            _target = null;
        }

        CutIfDue();
        if (_priming)
        {
            await AddLockedAsync([], isPriming: true).ConfigureAwait(false);
        }

        if (_control.TryTakePing(out var pingId))
        {
            var ping = Encoding.UTF8.GetBytes(
                $"{{\"jsonrpc\":\"2.0\",\"id\":{pingId.ToString(CultureInfo.InvariantCulture)},\"method\":\"ping\"}}");
            await AddLockedAsync(ping, isPriming: false).ConfigureAwait(false);
        }
    }

    private async ValueTask AddLockedAsync(byte[] message, bool isPriming)
    {
        var index = _next++;
        var header = Id is null ? "event: message\ndata: "
            : isPriming ? PrimingHeader(index)
            : $"id: {Id}-{index.ToString(CultureInfo.InvariantCulture)}\nevent: message\ndata: ";
        var evt = new byte[header.Length + message.Length + 2];
        Encoding.ASCII.GetBytes(header, evt);
        message.CopyTo(evt.AsSpan(header.Length));
        evt[^2] = (byte)'\n';
        evt[^1] = (byte)'\n';
        if (_log is not null)
        {
            _log.Add(evt);
            if (_log.Count > MaxLoggedEvents)
            {
                _log.RemoveRange(0, MaxLoggedEvents / 2);
                _firstLogged += MaxLoggedEvents / 2;
            }
        }

        await WriteLockedAsync(evt).ConfigureAwait(false);
    }

    private string PrimingHeader(long index)
    {
        var retry = _control.SseRetry;
        var id = $"id: {Id}-{index.ToString(CultureInfo.InvariantCulture)}\n";
        return retry is { } r
            ? id + "retry: " + ((long)r.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "\ndata: "
            : id + "data: ";
    }

    private async ValueTask WriteLockedAsync(byte[] evt)
    {
        var target = _target;
        if (target is null)
        {
            return;
        }

        try
        {
            var flush = await target.Response.BodyWriter.WriteAsync(evt, _stopping).ConfigureAwait(false);
            if (flush.IsCompleted || flush.IsCanceled)
            {
                _target = null;
                return;
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
        {
            _target = null; // the client went away; the log keeps the event for a resuming GET
            return;
        }

        if (ReferenceEquals(target, _origin))
        {
            _writtenToOrigin++;
            CutIfDue();
        }
    }

    private void CutIfDue()
    {
        if (_cutAfter < 0 || WasCut || _origin is null || _writtenToOrigin != _cutAfter
            || !ReferenceEquals(_target, _origin))
        {
            return;
        }

        WasCut = true;
        _target = null;
        if (!_connections.TryCompleteOutput(_origin.Connection.Id))
        {
            _origin.Abort();
        }
    }
}
