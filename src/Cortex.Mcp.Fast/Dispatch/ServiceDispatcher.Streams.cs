using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// Resource streams: they bypass the workers (a long stream would pin one) and take one of a bounded number of
/// stream slots instead, so streams can never starve tool calls.
/// </summary>
internal sealed partial class ServiceDispatcher
{
    public IAsyncEnumerable<T> StreamAsync<T>(string path, Utf8ItemReader<T> readItem, CancellationToken cancellationToken)
    {
        var invalidItem = (Action<Exception>)(ex =>
        {
            Interlocked.Increment(ref _invalidStreamItems);
            Log.InvalidStreamItem(_logger, ServiceName, path, ex);
        });
        return OpenStreamAsync(path, OperationKind.Resource, (transport, token) => transport.ReadResourceAsync(path, readItem, invalidItem, token), cancellationToken);
    }

    /// <summary>
    /// Runs a stream opened by <paramref name="open"/> under a stream slot, the endpoint's lease and the breaker;
    /// shared by resource reads and resource subscriptions. Every failure reaches the caller built by
    /// <see cref="ErrorFactory"/> for <paramref name="kind"/>; the caller's own cancellation stays an
    /// <see cref="OperationCanceledException"/>; disposal of the client is a <see cref="ClientDisposedException"/>.
    /// </summary>
    public async IAsyncEnumerable<T> OpenStreamAsync<T>(string path, OperationKind kind, Func<IMcpTransport, CancellationToken, IAsyncEnumerable<T>> open, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw ErrorFactory.Disposed(ServiceName, path);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
        var token = linked.Token;
        using (var slotTimeout = new CancellationTokenSource(Options.Streams.OpenTimeout, _timeProvider))
        using (var slotWait = CancellationTokenSource.CreateLinkedTokenSource(token, slotTimeout.Token))
        {
            try
            {
                await _streamSlots.WaitAsync(slotWait.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw _shutdown.IsCancellationRequested
                    ? ErrorFactory.Disposed(ServiceName, path)
                    : ErrorFactory.NoStreamSlot(ServiceName, path, Options.Streams.OpenTimeout);
            }
        }

        Interlocked.Increment(ref _openStreams);
        try
        {
            if (!TryLeaseEndpoint(out var endpoint))
            {
                throw LeaseRefused(path);
            }

            try
            {
                if (!endpoint.Breaker.TryAcquire(out var permit, out var retryAfter))
                {
                    throw ErrorFactory.CircuitOpen(ServiceName, path, retryAfter);
                }

                var outcome = BreakerOutcome.Ignored;
                try
                {
                    IAsyncEnumerator<T> enumerator;
                    try
                    {
                        enumerator = open(endpoint.Transport, token).GetAsyncEnumerator(token);
                    }
                    catch (Exception ex) when (!IsCallerCancellation(ex, cancellationToken))
                    {
                        throw StreamFailure(ex, path, kind, ref outcome);
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
                            throw StreamFailure(ex, path, kind, ref outcome);
                        }

                        if (!more)
                        {
                            outcome = BreakerOutcome.Success;
                            yield break;
                        }

                        yield return enumerator.Current;
                    }
                }
                finally
                {
                    Record(endpoint.Breaker, in permit, outcome);
                }
            }
            finally
            {
                endpoint.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _openStreams);
            _streamSlots.Release();
        }
    }

    private static bool IsCallerCancellation(Exception exception, CancellationToken cancellationToken) =>
        exception is OperationCanceledException && cancellationToken.IsCancellationRequested;

    /// <summary>The caller's exception for a failed stream, and what the breaker makes of it.</summary>
    private ServiceCallException StreamFailure(Exception exception, string path, OperationKind kind, ref BreakerOutcome outcome)
    {
        if (exception is OperationCanceledException && _shutdown.IsCancellationRequested)
        {
            return ErrorFactory.Disposed(ServiceName, path, 1);
        }

        outcome = FailureFacts.Of(exception).BreakerOutcome;
        return ErrorFactory.FromException(ServiceName, path, exception, 1, kind);
    }
}
