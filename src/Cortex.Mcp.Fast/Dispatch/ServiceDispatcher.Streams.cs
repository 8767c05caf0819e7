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
        return OpenStreamAsync(path, (transport, token) => transport.ReadResourceAsync(path, readItem, invalidItem, token), cancellationToken);
    }

    /// <summary>
    /// Runs a stream opened by <paramref name="open"/> under a stream slot, the endpoint's lease and the breaker;
    /// shared by resource reads and resource subscriptions.
    /// </summary>
    public async IAsyncEnumerable<T> OpenStreamAsync<T>(string path, Func<IMcpTransport, CancellationToken, IAsyncEnumerable<T>> open, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ClientDisposedException(ServiceName, path);
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
                    ? new ClientDisposedException(ServiceName, path)
                    : new ResourceStreamException(ServiceName, path, $"No stream slot of service '{ServiceName}' became free within {Options.Streams.OpenTimeout.TotalMilliseconds:F0} ms.", FailureKind.Timeout);
            }
        }

        Interlocked.Increment(ref _openStreams);
        ServiceEndpoint endpoint;
        while (!(endpoint = Endpoint).TryAcquire())
        {
        }

        try
        {
            if (!endpoint.Breaker.TryAcquire(out var permit, out var retryAfter))
            {
                throw new CircuitOpenException(ServiceName, path, retryAfter);
            }

            var outcome = 0; // 0 = ignored, 1 = success, 2 = failure
            try
            {
                var items = open(endpoint.Transport, token);
                var enumerator = items.GetAsyncEnumerator(token);
                await using var enumeratorScope = enumerator.ConfigureAwait(false);
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await enumerator.MoveNextAsync().ConfigureAwait(false);
                    }
                    catch (ResourceStreamException ex)
                    {
                        outcome = FailureClassifier.IsBreakerFailure(ex.FailureKind, ex.StatusCode) ? 2 : 1;
                        throw;
                    }
                    catch (TransportFailure failure)
                    {
                        outcome = FailureClassifier.IsBreakerFailure(failure.Kind, failure.StatusCode, failure.JsonRpcCode) ? 2 : failure.NotSent ? 0 : 1;
                        throw ErrorFactory.FromFailure(ServiceName, path, failure, 1, OperationKind.Resource);
                    }
                    catch (OperationCanceledException) when (_shutdown.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                    {
                        throw new ClientDisposedException(ServiceName, path);
                    }

                    if (!more)
                    {
                        outcome = 1;
                        yield break;
                    }

                    yield return enumerator.Current;
                }
            }
            finally
            {
                switch (outcome)
                {
                    case 1: endpoint.Breaker.RecordSuccess(in permit); break;
                    case 2: endpoint.Breaker.RecordFailure(in permit); break;
                    default: endpoint.Breaker.RecordIgnored(in permit); break;
                }
            }
        }
        finally
        {
            endpoint.Release();
            Interlocked.Decrement(ref _openStreams);
            _streamSlots.Release();
        }
    }
}
