using System.Buffers;
using System.Text.Json;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Operations;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.StreamableHttp;
using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Transports.LegacySse;

/// <summary>Opening a legacy connection: the GET stream, its endpoint event, the 2024-11-05 handshake, bounded retries.</summary>
internal sealed partial class LegacySseTransport
{
    /// <summary>The current connection, or a new stream and handshake when there is none or it ended.</summary>
    private async ValueTask<LegacySseConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { IsEnded: false } current)
        {
            return current;
        }

        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _connection) is { IsEnded: false } opened)
            {
                return opened;
            }

            if (Interlocked.Exchange(ref _connection, null) is { } ended)
            {
                await ended.DisposeAsync().ConfigureAwait(false);
                McpTelemetry.Reconnects.Add(1, _serviceTag);
            }

            var connection = await ConnectWithRetriesAsync(cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _connection, connection);
            return connection;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private async ValueTask<LegacySseConnection> ConnectWithRetriesAsync(CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(_options.CallTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token, _disposed.Token);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await OpenAndInitializeAsync(linked.Token).ConfigureAwait(false);
            }
            catch (TransportFailure failure) when (failure.Kind is FailureKind.ConnectFailure or FailureKind.NetworkError)
            {
                if (attempt >= MaxConnectAttempts)
                {
                    throw TransportFailure.Network($"the legacy SSE stream could not be opened in {MaxConnectAttempts} attempts: {failure.Message}", failure);
                }

                await Task.Delay(ReconnectPolicy.Delay(null, attempt), _timeProvider, linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw _disposed.IsCancellationRequested
                    ? TransportFailure.Disposed()
                    : TransportFailure.TimedOut(TimeoutLimit.CallDeadline, _options.CallTimeout, $"opening the legacy SSE stream took longer than {_options.CallTimeout.TotalMilliseconds:F0} ms.", ex);
            }
        }
    }

    /// <summary>GET the stream, wait for the endpoint event, then the 2024-11-05 handshake over it.</summary>
    private async ValueTask<LegacySseConnection> OpenAndInitializeAsync(CancellationToken cancellationToken)
    {
        var token = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
        var response = await EventStreamRequest.SendAsync(_http, _get, new HttpRequestFields { Authorization = token?.Header }, null, _timeProvider, _redactor, cancellationToken).ConfigureAwait(false);
        var reader = await EventStreamReader.OpenAsync(response!, _http, new StreamCursor(), _options.Streams, watchEvents: false, _timeProvider, _stallMonitor, cancellationToken).ConfigureAwait(false);
        var connection = await LegacySseConnection.OpenAsync(reader, _streamUri, CreateExchange, _router, _disposed.Token, cancellationToken).ConfigureAwait(false);
        try
        {
            connection.Session = await InitializeAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The <c>protocolVersion</c> of an initialize result, or null (the shared reader knows only the Streamable HTTP revisions).</summary>
    private static string? ReadProtocolVersion(ReadOnlySpan<byte> result)
    {
        try
        {
            var reader = new Utf8JsonReader(result, new JsonReaderOptions { MaxDepth = JsonRpcMessageReader.MaxDepth });
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("protocolVersion"u8, out var version) && version.ValueKind == JsonValueKind.String
                ? version.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private JsonRpcExchange CreateExchange(Uri messageEndpoint)
    {
        var exchange = new JsonRpcExchange(_http, messageEndpoint, _options, _timeProvider, _auth, _redactor, _router, _stallMonitor, _disposed.Token);
        exchange.Responder.Attach(_handlers);
        return exchange;
    }

    private async ValueTask<McpSession> InitializeAsync(LegacySseConnection connection, CancellationToken cancellationToken)
    {
        var generation = Interlocked.Increment(ref _generation);
        var ids = new JsonRpcIdGenerator();
        var provisional = new McpSession(null, ProtocolVersion, _handlers.Identity, ids, generation) { IsHandshake = true };
        connection.Session = provisional;
        using var request = new McpPendingRequest(ids.Next(), McpReplyKind.Plain);
        using (var body = provisional.WriteBody(request.Id, ProtocolVersion, static (writer, output, id, version) => writer.WriteInitialize(output, id, version)))
        {
            await ExchangeAsync(connection, provisional, request, body.WrittenMemory, "initialize", cancellationToken).ConfigureAwait(false);
        }

        var (result, length) = request.TakeResult();
        McpServerInfo serverInfo;
        try
        {
            // A legacy server may answer with a later revision it also speaks; anything this client cannot speak ends it.
            var version = ReadProtocolVersion(result.AsSpan(0, length));
            if (version != ProtocolVersion && !McpProtocolVersions.IsAcceptedFromServer(version))
            {
                throw TransportFailure.Protocol("the server answered initialize with a protocol version this client does not support.");
            }

            serverInfo = McpResultParsers.ReadServerInfo(result.AsMemory(0, length), version!);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(result);
        }

        var session = new McpSession(null, ProtocolVersion, _handlers.Identity, ids, generation) { ServerInfo = serverInfo };
        using (var body = new PooledBufferWriter(64))
        {
            var writer = session.Writers.Get();
            writer.WriteInitializedNotification(body);
            session.Writers.Return(writer);
            await connection.Exchange.PostAsync(session, body.WrittenMemory, "notifications/initialized", cancellationToken).ConfigureAwait(false);
        }

        return session;
    }
}
