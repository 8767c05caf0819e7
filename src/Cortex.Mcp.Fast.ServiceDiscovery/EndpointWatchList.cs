using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace Cortex.Mcp.Fast.ServiceDiscovery;

/// <summary>One answer of a discovery source: the endpoints, and when or on what to look again.</summary>
/// <param name="Endpoints">The endpoints, in the source's order of preference.</param>
/// <param name="RefreshAfter">When to look again if <paramref name="ChangeToken"/> offers no callback (a TTL, a polling period).</param>
/// <param name="ChangeToken">Fires when the answer may have changed, or null.</param>
internal readonly record struct Resolution(IReadOnlyList<Uri> Endpoints, TimeSpan RefreshAfter, IChangeToken? ChangeToken);

/// <summary>
/// The services a discovery source has found (an answer with endpoints), each with its last good answer, kept fresh: looked up
/// again when the answer's change token fires or its refresh time comes (a <see cref="TimeProvider"/> timer), and
/// reported through <c>changed</c> only when the endpoints differ. A failed lookup keeps the last good answer (and is
/// logged) and is retried after the retry delay.
/// </summary>
/// <remarks>Concurrency: each service's state is guarded by its own <see cref="Watch.Gate"/>; at most one lookup per
/// service runs at a time (a trigger during a lookup runs one more after it). The first answer is shared by concurrent
/// callers. <c>changed</c> runs outside the lock, on the thread that finished the lookup.</remarks>
internal sealed class EndpointWatchList : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, Watch> _watches = new(StringComparer.Ordinal);
    private readonly Func<string, CancellationToken, Task<Resolution>> _lookup;
    private readonly Action<string> _changed;
    private readonly TimeSpan _retryDelay;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lifetime = new();

    public EndpointWatchList(Func<string, CancellationToken, Task<Resolution>> lookup, Action<string> changed, TimeSpan retryDelay, TimeProvider timeProvider, ILogger logger)
    {
        _lookup = lookup;
        _changed = changed;
        _retryDelay = retryDelay;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Raised after every re-resolution (changed or not, failed or not), with the service name: a test seam.</summary>
    internal event Action<string>? RefreshCompleted;

    /// <summary>The last good endpoints of <paramref name="service"/>; the first call for a service looks them up
    /// (concurrent callers share that lookup) and starts watching it.</summary>
    /// <exception cref="ObjectDisposedException">The source was disposed.</exception>
    public async ValueTask<IReadOnlyList<Uri>> GetAsync(string service, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_lifetime.IsCancellationRequested, this);
        var watch = _watches.GetOrAdd(service, static (name, list) => new Watch(name, list), this);
        if (Volatile.Read(ref watch.Current) is { } current)
        {
            return current;
        }

        Task<IReadOnlyList<Uri>> first;
        lock (watch.Gate)
        {
            if (watch.Current is { } set)
            {
                return set;
            }

            first = watch.First ??= FirstLookupAsync(watch);
        }

        return await first.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Stops every timer and change-token registration; lookups in flight end with the lifetime token.</summary>
    public void Dispose()
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        _lifetime.Cancel();
        foreach (var watch in _watches.Values)
        {
            lock (watch.Gate)
            {
                watch.Timer?.Dispose();
                watch.Timer = null;
                watch.Registration?.Dispose();
                watch.Registration = null;
            }
        }

        // _lifetime is not disposed: a lookup still in flight reads its token.
    }

    private async Task<IReadOnlyList<Uri>> FirstLookupAsync(Watch watch)
    {
        // Started under the lock: yield first so the lookup never runs (or completes) inside it.
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        try
        {
            var resolution = await _lookup(watch.Service, _lifetime.Token).ConfigureAwait(false);
            if (resolution.Endpoints.Count == 0)
            {
                // An unknown service is not watched (each call asks again): names that lead nowhere, however many a
                // caller makes up, hold no timer and no memory here.
                Forget(watch);
                return resolution.Endpoints;
            }

            lock (watch.Gate)
            {
                Volatile.Write(ref watch.Current, resolution.Endpoints);
                watch.First = null;
                Schedule_NeedsLock(watch, resolution);
            }

            return resolution.Endpoints;
        }
        catch
        {
            Forget(watch); // the next caller tries again
            throw;
        }
    }

    private void Forget(Watch watch)
    {
        lock (watch.Gate)
        {
            watch.First = null;
        }

        _watches.TryRemove(new KeyValuePair<string, Watch>(watch.Service, watch));
    }

    private void Trigger(Watch watch)
    {
        lock (watch.Gate)
        {
            if (_lifetime.IsCancellationRequested)
            {
                return;
            }

            if (watch.Refreshing)
            {
                watch.RefreshAgain = true;
                return;
            }

            watch.Refreshing = true;
        }

        _ = RefreshAsync(watch);
    }

    /// <summary>Looks the service up again until no trigger arrived meanwhile; never throws.</summary>
    private async Task RefreshAsync(Watch watch)
    {
        // Triggers come from timer and change-token callbacks (possibly under a configuration provider's lock).
        await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        bool again;
        do
        {
            Resolution? resolution = null;
            Exception? error = null;
            try
            {
                resolution = await _lookup(watch.Service, _lifetime.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                error = ex;
            }

            if (_lifetime.IsCancellationRequested)
            {
                return;
            }

            var changed = false;
            int previous;
            lock (watch.Gate)
            {
                previous = watch.Current?.Count ?? 0;
                if (resolution is { } answer)
                {
                    changed = watch.Current is not { } current || !current.SequenceEqual(answer.Endpoints);
                    Volatile.Write(ref watch.Current, answer.Endpoints);
                }

                Schedule_NeedsLock(watch, resolution);
                again = watch.RefreshAgain;
                watch.RefreshAgain = false;
                watch.Refreshing = again;
            }

            if (error is not null)
            {
                Log.RefreshFailed(_logger, error, watch.Service, previous, _retryDelay);
            }
            else if (changed)
            {
                Log.EndpointsChanged(_logger, watch.Service, resolution!.Value.Endpoints.Count, previous);
                Raise(watch.Service);
            }

            RefreshCompleted?.Invoke(watch.Service);
        }
        while (again);
    }

    /// <summary>Arms the next lookup: the answer's change token when it has callbacks, else a one-shot timer at its
    /// refresh time (or the retry delay after a failure).</summary>
    private void Schedule_NeedsLock(Watch watch, Resolution? resolution)
    {
        if (_lifetime.IsCancellationRequested)
        {
            return;
        }

        watch.Registration?.Dispose();
        watch.Registration = null;
        if (resolution?.ChangeToken is { ActiveChangeCallbacks: true } token)
        {
            watch.Timer?.Dispose();
            watch.Timer = null;

            // A token that already fired calls back at once (on this thread, under this lock: Lock is re-entrant).
            watch.Registration = token.RegisterChangeCallback(static state => ((Watch)state!).Owner.Trigger((Watch)state!), watch);
            return;
        }

        var due = resolution?.RefreshAfter ?? _retryDelay;
        if (watch.Timer is null)
        {
            watch.Timer = _timeProvider.CreateTimer(static state => ((Watch)state!).Owner.Trigger((Watch)state!), watch, due, Timeout.InfiniteTimeSpan);
        }
        else
        {
            watch.Timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void Raise(string service)
    {
        try
        {
            _changed(service);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.HandlerFailed(_logger, ex, service);
        }
    }

    /// <summary>The state of one watched service.</summary>
    private sealed class Watch(string service, EndpointWatchList owner)
    {
        /// <summary>The service name.</summary>
        public readonly string Service = service;

        /// <summary>Guards every field below.</summary>
        public readonly Lock Gate = new();

        /// <summary>The list this watch belongs to (for the static timer and token callbacks).</summary>
        public readonly EndpointWatchList Owner = owner;

        /// <summary>The last good answer, or null before the first; read without the lock by <see cref="GetAsync"/>.</summary>
        public IReadOnlyList<Uri>? Current;

        /// <summary>The first lookup while it runs.</summary>
        public Task<IReadOnlyList<Uri>>? First;

        /// <summary>The refresh timer, when the answer has no change callbacks.</summary>
        public ITimer? Timer;

        /// <summary>The change-token registration, when it has.</summary>
        public IDisposable? Registration;

        /// <summary>A re-resolution is running.</summary>
        public bool Refreshing;

        /// <summary>A trigger arrived while it ran: run once more.</summary>
        public bool RefreshAgain;
    }
}
