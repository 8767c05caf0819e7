using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// The session lifecycle: the lazy single-flight <c>initialize</c> (version negotiation, <c>Mcp-Session-Id</c>),
/// session loss (exactly one new session for all concurrent callers), and DELETE on dispose.
/// </summary>
/// <remarks>
/// Concurrency: <see cref="_session"/> holds the task of the current (or starting) session and changes only by
/// compare-and-swap. Whoever swaps in a new task runs the initialize; every other caller awaits that same task. A
/// failed start is one shared <see cref="TransportFailure"/> (immutable): each caller's own public exception is built
/// later by the error factory, so nothing is re-wrapped here. A caller that saw session S lost swaps S's task for
/// null only if it is still current, so a burst of failures on S causes one new session, not one per caller.
/// </remarks>
internal sealed class McpSessionManager
{
    private readonly JsonRpcExchange _exchange;
    private readonly McpServiceOptions _options;
    private readonly McpClientIdentity _identity;
    private readonly TimeProvider _timeProvider;
    private readonly CancellationToken _disposed;
    private Task<McpSession>? _session;
    private int _initializeCount;

    public McpSessionManager(JsonRpcExchange exchange, McpServiceOptions options, McpClientIdentity identity, TimeProvider timeProvider, CancellationToken disposed)
    {
        _exchange = exchange;
        _options = options;
        _identity = identity;
        _timeProvider = timeProvider;
        _disposed = disposed;
    }

    /// <summary>Raised once per new session, after it started (the standalone stream opens then when it is needed).</summary>
    public event Action<McpSession>? SessionStarted;

    /// <summary>Number of initialize handshakes started (intended for testing: session recovery is single-flight).</summary>
    public int InitializeCount => Volatile.Read(ref _initializeCount);

    /// <summary>The current session, when one is established; null otherwise.</summary>
    public McpSession? Current => Volatile.Read(ref _session) is { IsCompletedSuccessfully: true } t ? t.Result : null;

    /// <summary>The current session, starting one if there is none (single-flight).</summary>
    /// <exception cref="TransportFailure">The session could not be started.</exception>
    public ValueTask<McpSession> GetAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _session);
        return current is { IsCompletedSuccessfully: true } ? new ValueTask<McpSession>(current.Result) : GetSlowAsync(cancellationToken);
    }

    /// <summary>Forgets <paramref name="lost"/> if it is still current, so the next caller starts exactly one new session.</summary>
    public void Invalidate(McpSession lost)
    {
        var current = Volatile.Read(ref _session);
        if (current is { IsCompletedSuccessfully: true } && ReferenceEquals(current.Result, lost))
        {
            Interlocked.CompareExchange(ref _session, null, current);
        }
    }

    /// <summary>Ends the current session with DELETE (best effort).</summary>
    public ValueTask EndAsync()
    {
        var current = Interlocked.Exchange(ref _session, null);
        return current is { IsCompletedSuccessfully: true } && current.Result.SessionId is not null
            ? _exchange.DeleteSessionAsync(current.Result)
            : ValueTask.CompletedTask;
    }

    private async ValueTask<McpSession> GetSlowAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_disposed.IsCancellationRequested)
            {
                throw TransportFailure.Disposed();
            }

            var current = Volatile.Read(ref _session);
            if (current is null || current.IsFaulted || current.IsCanceled)
            {
                var start = new TaskCompletionSource<McpSession>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (Interlocked.CompareExchange(ref _session, start.Task, current) != current)
                {
                    continue; // someone else started one: await theirs
                }

                _ = RunInitializeAsync(start);
                current = start.Task;
            }

            return await current.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task RunInitializeAsync(TaskCompletionSource<McpSession> completion)
    {
        var generation = Interlocked.Increment(ref _initializeCount);
        try
        {
            // Shared by every waiting caller, so it runs under its own deadline, not one caller's token.
            using var timeout = new CancellationTokenSource(_options.CallTimeout, _timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _disposed);
            var session = await InitializeAsync(generation, linked.Token).ConfigureAwait(false);
            completion.TrySetResult(session);
            SessionStarted?.Invoke(session);
        }
        catch (OperationCanceledException ex)
        {
            completion.TrySetException(_disposed.IsCancellationRequested
                ? TransportFailure.Disposed()
                : TransportFailure.TimedOut(TimeoutLimit.CallDeadline, _options.CallTimeout, $"initializing the MCP session took longer than {_options.CallTimeout.TotalMilliseconds:F0} ms.", ex));
        }
        catch (TransportFailure ex)
        {
            completion.TrySetException(ex);
        }
        catch (Exception ex)
        {
            completion.TrySetException(TransportFailure.Unexpected("initializing the MCP session failed.", ex));
        }

        if (completion.Task.IsFaulted)
        {
            _ = completion.Task.Exception; // observed: a start nobody awaits any more raises no UnobservedTaskException
        }
    }

    private async Task<McpSession> InitializeAsync(int generation, CancellationToken cancellationToken)
    {
        var ids = new JsonRpcIdGenerator();
        if (_options.Mcp.UseStatelessRevision)
        {
            // Spec (2026-07-28): no initialize handshake and no session; every request carries its own metadata.
            return new McpSession(null, McpProtocolVersions.V2026_07_28, _identity, ids, generation);
        }

        // Provisional: no session id and no MCP-Protocol-Version header on the initialize request itself.
        var provisional = new McpSession(null, McpProtocolVersions.LatestWithHandshake, _identity, ids, generation) { IsHandshake = true };
        using var request = new McpPendingRequest(ids.Next(), McpReplyKind.Plain);
        using (var body = new PooledBufferWriter())
        {
            var writer = provisional.Writers.Get();
            writer.WriteInitialize(body, request.Id, McpProtocolVersions.LatestWithHandshake);
            provisional.Writers.Return(writer);
            if (!await _exchange.SendAsync(provisional, request, body.WrittenMemory, "initialize", null, captureSessionId: true, cancellationToken).ConfigureAwait(false))
            {
                throw TransportFailure.Network("the server ended the initialize reply before its response.");
            }
        }

        var (result, length) = request.TakeResult();
        string? version;
        McpServerInfo serverInfo;
        try
        {
            if (!McpPayloadReader.TryReadInitializeProtocolVersion(result.AsSpan(0, length), out version) || !McpProtocolVersions.IsAcceptedFromServer(version))
            {
                // Spec (2025-11-25 lifecycle): "If the client does not support the version in the server's response, it SHOULD disconnect."
                throw TransportFailure.Protocol("the server answered initialize with a protocol version this client does not support.");
            }

            serverInfo = Operations.McpResultParsers.ReadServerInfo(result.AsMemory(0, length), version!);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(result);
        }

        var sessionId = request.SessionIdHeader;
        var validation = McpHeaders.ValidateSessionId(sessionId);
        if (validation is not (SessionIdValidation.Valid or SessionIdValidation.Missing))
        {
            // The value itself is never echoed: it is a secret of the session.
            throw TransportFailure.Protocol($"the server issued an unusable Mcp-Session-Id ({validation}).");
        }

        var session = new McpSession(validation == SessionIdValidation.Valid ? sessionId : null, version!, _identity, ids, generation) { ServerInfo = serverInfo };
        using (var body = new PooledBufferWriter(64))
        {
            var writer = session.Writers.Get();
            writer.WriteInitializedNotification(body);
            session.Writers.Return(writer);
            await _exchange.PostAsync(session, body.WrittenMemory, "notifications/initialized", cancellationToken).ConfigureAwait(false);
        }

        return session;
    }
}
