using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// The session lifecycle: lazy single-flight initialize, session loss (exactly one new session for all concurrent
/// callers), DELETE on dispose.
/// </summary>
/// <remarks>
/// Concurrency: <see cref="_session"/> holds the task of the current (or starting) session and changes only by
/// compare-and-swap. Whoever swaps in a new task runs the initialize; every other caller awaits that same task.
/// A caller that saw session S fail with "session lost" swaps S's task for null only if it is still current, so
/// a burst of failures on S causes one new session, not one per caller.
/// </remarks>
internal sealed partial class StreamableHttpTransport
{
    /// <summary>How long DELETE may take on dispose before we give up on it.</summary>
    private static readonly TimeSpan s_deleteTimeout = TimeSpan.FromSeconds(5);

    private Task<McpSession>? _session;
    private int _initializeCount;

    /// <summary>Number of initialize handshakes started (intended for testing: session recovery is single-flight).</summary>
    internal int InitializeCount => Volatile.Read(ref _initializeCount);

    /// <summary>The current session id (intended for testing only; never logged).</summary>
    internal string? CurrentSessionId => Volatile.Read(ref _session) is { IsCompletedSuccessfully: true } t ? t.Result.SessionId : null;

    /// <summary>The negotiated revision of the current session (intended for testing).</summary>
    internal string? NegotiatedVersion => Volatile.Read(ref _session) is { IsCompletedSuccessfully: true } t ? t.Result.ProtocolVersion : null;

    /// <summary>The current session, starting one if there is none (single-flight).</summary>
    private ValueTask<McpSession> GetSessionAsync(string service, string tool, CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _session);
        return current is { IsCompletedSuccessfully: true } ? new ValueTask<McpSession>(current.Result) : GetSessionSlowAsync(service, tool, cancellationToken);
    }

    private async ValueTask<McpSession> GetSessionSlowAsync(string service, string tool, CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            var current = Volatile.Read(ref _session);
            if (current is null || current.IsFaulted || current.IsCanceled)
            {
                var start = new TaskCompletionSource<McpSession>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (Interlocked.CompareExchange(ref _session, start.Task, current) != current)
                {
                    continue; // someone else started one: await theirs
                }

                _ = RunInitializeAsync(service, start);
                current = start.Task;
            }

            try
            {
                return await current.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ServiceCallException ex)
            {
                // A shared failure: give each caller its own exception (the dispatcher sets Attempts on it).
                throw new ServiceCallException(service, tool, ex.Message, ex.FailureKind, ex)
                {
                    StatusCode = ex.StatusCode,
                    RequestNotSent = ex.RequestNotSent,
                    RetryAfter = ex.RetryAfter,
                };
            }
        }
    }

    /// <summary>Forgets <paramref name="lost"/> if it is still current, so the next caller starts exactly one new session.</summary>
    private void Invalidate(McpSession lost)
    {
        var current = Volatile.Read(ref _session);
        if (current is { IsCompletedSuccessfully: true } && ReferenceEquals(current.Result, lost))
        {
            Interlocked.CompareExchange(ref _session, null, current);
        }
    }

    private async Task RunInitializeAsync(string service, TaskCompletionSource<McpSession> completion)
    {
        var generation = Interlocked.Increment(ref _initializeCount);
        try
        {
            // Shared by every waiting caller, so it runs under its own deadline, not one caller's token.
            using var timeout = new CancellationTokenSource(_options.CallTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _disposed.Token);
            var session = await InitializeAsync(service, generation, linked.Token).ConfigureAwait(false);
            completion.TrySetResult(session);
        }
        catch (OperationCanceledException ex)
        {
            completion.TrySetException(_disposed.IsCancellationRequested
                ? new ClientDisposedException(service, "initialize")
                : new CallTimeoutException(service, "initialize", TimeoutLimit.CallDeadline, _options.CallTimeout, ex));
        }
        catch (ServiceCallException ex)
        {
            completion.TrySetException(ex);
        }
        catch (Exception ex)
        {
            completion.TrySetException(new ServiceCallException(service, "initialize", $"Initializing the MCP session with service '{service}' failed.", FailureKind.Other, ex));
        }
    }

    private async Task<McpSession> InitializeAsync(string service, int generation, CancellationToken cancellationToken)
    {
        var ids = new JsonRpcIdGenerator();
        if (_options.Mcp.UseStatelessRevision)
        {
            // Spec (2026-07-28): no initialize handshake and no session; every request carries its own metadata.
            return new McpSession(null, McpProtocolVersions.V2026_07_28, _identity, ids, generation);
        }

        // Provisional: no session id and no MCP-Protocol-Version header on the initialize request itself.
        var provisional = new McpSession(null, McpProtocolVersions.LatestWithHandshake, _identity, ids, generation) { IsHandshake = true };
        var id = ids.Next();
        using var exchange = new McpExchange(service, "initialize", id, McpReplyKind.Plain) { CaptureSessionId = true };
        using (var body = new PooledBufferWriter())
        {
            var writer = provisional.Writers.Get();
            writer.WriteInitialize(body, id, McpProtocolVersions.LatestWithHandshake);
            provisional.Writers.Return(writer);
            await ExchangeAsync(provisional, exchange, body, "initialize", null, cancellationToken).ConfigureAwait(false);
        }

        if (exchange.Error is { } error)
        {
            throw error;
        }

        var (result, length) = exchange.TakeResult();
        string? version;
        try
        {
            if (!McpPayloadReader.TryReadInitializeProtocolVersion(result.AsSpan(0, length), out version) || !McpProtocolVersions.IsAcceptedFromServer(version))
            {
                // Spec (2025-11-25 lifecycle): "If the client does not support the version in the server's response, it SHOULD disconnect."
                throw new ServiceProtocolException(service, "initialize", $"Service '{service}' answered initialize with a protocol version this client does not support.");
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(result);
        }

        var sessionId = exchange.SessionIdHeader;
        var validation = McpHeaders.ValidateSessionId(sessionId);
        if (validation is not (SessionIdValidation.Valid or SessionIdValidation.Missing))
        {
            // The value itself is never echoed: it is a secret of the session.
            throw new ServiceProtocolException(service, "initialize", $"Service '{service}' issued an unusable Mcp-Session-Id ({validation}).");
        }

        var session = new McpSession(validation == SessionIdValidation.Valid ? sessionId : null, version!, _identity, ids, generation);
        using (var body = new PooledBufferWriter(64))
        {
            var writer = session.Writers.Get();
            writer.WriteInitializedNotification(body);
            session.Writers.Return(writer);
            await PostNotificationAsync(service, session, body, "notifications/initialized", cancellationToken).ConfigureAwait(false);
        }

        return session;
    }

    /// <summary>Ends the session with DELETE (best effort: 405, 404 and 400 are all fine; failures are ignored).</summary>
    private async ValueTask EndSessionAsync()
    {
        var current = Interlocked.Exchange(ref _session, null);
        if (current is not { IsCompletedSuccessfully: true } || current.Result.SessionId is not { } sessionId)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(s_deleteTimeout, _timeProvider);
            using var request = new HttpRequestMessage(HttpMethod.Delete, _postUri);
            request.Headers.TryAddWithoutValidation(McpHeaders.SessionId, sessionId);
            request.Headers.TryAddWithoutValidation(McpHeaders.ProtocolVersion, current.Result.ProtocolVersion);
            await AddAuthAsync(request, timeout.Token).ConfigureAwait(false);
            using var response = await _http.Invoker.SendAsync(request, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or ServiceCallException)
        {
            // Best effort: the server expires idle sessions anyway.
        }
    }
}
