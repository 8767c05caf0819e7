using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// The service's streams (resource reads and resource subscriptions): they bypass the workers (a long stream would
/// pin one) and take one of a bounded number of stream slots instead, so streams can never starve tool calls. Each
/// stream is one <see cref="EndpointUse"/> for as long as it is enumerated.
/// </summary>
/// <remarks>Thread-safe. The counters change by Interlocked operations only.</remarks>
[SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The stream slots are deliberately never disposed; see _slots.")]
internal sealed class ServiceStreams
{
    private readonly ServiceDispatcher _owner;

    /// <summary>
    /// The stream slots (<see cref="StreamOptions.MaxConcurrent"/>). Never disposed: streams still unwinding after
    /// the dispatcher's disposal release their slot (disposing the semaphore turned their
    /// <see cref="ClientDisposedException"/> into a raw <see cref="ObjectDisposedException"/>), and it holds no
    /// unmanaged resource unless its wait handle is used, which it never is.
    /// </summary>
    private readonly SemaphoreSlim _slots;

    /// <summary>Streams holding a slot right now.</summary>
    private int _open;

    /// <summary>Resource stream items skipped because they could not be read.</summary>
    private long _invalidItems;

    public ServiceStreams(ServiceDispatcher owner)
    {
        _owner = owner;
        var slots = owner.Options.Streams.MaxConcurrent;
        _slots = new SemaphoreSlim(slots, slots);
    }

    /// <summary>Streams open right now (the diagnostics' open streams).</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Resource stream items skipped so far (the diagnostics' invalid stream items).</summary>
    public long InvalidItems => Interlocked.Read(ref _invalidItems);

    /// <summary>Reads resource <paramref name="path"/> as a stream of items; an item that fails
    /// <paramref name="readItem"/> is counted, logged and skipped.</summary>
    public IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, CancellationToken cancellationToken)
    {
        var invalidItem = (Action<Exception>)(ex =>
        {
            Interlocked.Increment(ref _invalidItems);
            Log.InvalidStreamItem(_owner.Logger, _owner.ServiceName, path, ex);
        });
        return OpenAsync(path, OperationKind.Resource, (transport, token) => transport.ReadResourceAsync(path, readItem, invalidItem, token), cancellationToken);
    }

    /// <summary>
    /// Runs a stream opened by <paramref name="open"/> under a stream slot, the endpoint's lease and the breaker;
    /// shared by resource reads and resource subscriptions. Every failure reaches the caller built by
    /// <see cref="ErrorFactory"/> for <paramref name="kind"/>; the caller's own cancellation stays an
    /// <see cref="OperationCanceledException"/>; disposal of the client is a <see cref="ClientDisposedException"/>.
    /// </summary>
    public async IAsyncEnumerable<T> OpenAsync<T>(string path, OperationKind kind, Func<IMcpTransport, CancellationToken, IAsyncEnumerable<T>> open, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var owner = _owner;
        if (owner.IsDisposed)
        {
            throw ErrorFactory.Disposed(owner.ServiceName, path);
        }

        var method = kind == OperationKind.Subscription ? McpSemanticConventions.ResourcesSubscribe : McpSemanticConventions.ResourcesRead;
        var telemetry = owner.Telemetry.StartOperation(method, null, path, owner.Endpoint.Address);
        ServiceCallException? failure = null;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, owner.ShutdownToken);
        var token = linked.Token;
        try
        {
            await WaitForSlotAsync(path, token, cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceCallException ex)
        {
            owner.Telemetry.EndOperation(in telemetry, ex);
            throw;
        }

        Interlocked.Increment(ref _open);
        try
        {
            EndpointUse use;
            try
            {
                use = EndpointUse.Begin(owner, path);
            }
            catch (ServiceCallException ex)
            {
                failure = ex;
                throw;
            }
            try
            {
                IAsyncEnumerator<T> enumerator;
                try
                {
                    enumerator = open(use.Transport, token).GetAsyncEnumerator(token);
                }
                catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
                {
                    throw failure = Failure(ex, path, kind, ref use);
                }

                await using var enumeratorScope = enumerator.ConfigureAwait(false);
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await enumerator.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
                    {
                        throw failure = Failure(ex, path, kind, ref use);
                    }

                    if (!more)
                    {
                        use.Outcome = BreakerOutcome.Success;
                        yield break;
                    }

                    yield return enumerator.Current;
                }
            }
            finally
            {
                use.End();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            _slots.Release();
            owner.Telemetry.EndOperation(in telemetry, failure); // the span and duration cover the whole stream
        }
    }

    /// <summary>Takes a stream slot within <see cref="StreamOptions.OpenTimeout"/>.</summary>
    /// <exception cref="OperationCanceledException">Only for <paramref name="cancellationToken"/>'s own cancellation.</exception>
    /// <exception cref="ServiceCallException">No slot in time, or the client was disposed meanwhile.</exception>
    private async ValueTask WaitForSlotAsync(string path, CancellationToken token, CancellationToken cancellationToken)
    {
        var owner = _owner;
        using var slotTimeout = new CancellationTokenSource(owner.Options.Streams.OpenTimeout, owner.TimeProvider);
        using var slotWait = CancellationTokenSource.CreateLinkedTokenSource(token, slotTimeout.Token);
        try
        {
            await _slots.WaitAsync(slotWait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw owner.ShutdownToken.IsCancellationRequested
                ? ErrorFactory.Disposed(owner.ServiceName, path)
                : ErrorFactory.NoStreamSlot(owner.ServiceName, path, owner.Options.Streams.OpenTimeout);
        }
    }

    private static bool IsCallerCancellation(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;

    /// <summary>The caller's exception for a failed stream, and what the breaker makes of it.</summary>
    private ServiceCallException Failure(Exception exception, string path, OperationKind kind, ref EndpointUse use)
    {
        if (exception is OperationCanceledException && _owner.ShutdownToken.IsCancellationRequested)
        {
            return ErrorFactory.Disposed(_owner.ServiceName, path, 1);
        }

        use.Outcome = FailureFacts.Of(exception).BreakerOutcome;
        return ErrorFactory.FromException(_owner.ServiceName, path, exception, 1, kind);
    }
}
