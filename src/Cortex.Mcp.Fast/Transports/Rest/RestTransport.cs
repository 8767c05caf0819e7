using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Unicode;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Transports.Http;
using Cortex.Mcp.Fast.Transports.Streams;
using Cortex.Mcp.Fast.Tasks;

namespace Cortex.Mcp.Fast.Transports.Rest;

/// <summary>
/// The REST+SSE protocol: <c>POST {endpoint}/tool/{tool}</c> with the arguments as the JSON body, answered by a JSON
/// result; <c>GET {endpoint}/resource/{path}</c> answered with an SSE stream of JSON items, resumed with
/// <c>Last-Event-ID</c> when it breaks.
/// </summary>
/// <remarks>Thread-safe; one instance per endpoint, shared by the service's workers and streams. Failures are
/// reported as <see cref="TransportFailure"/>s.</remarks>
internal sealed partial class RestTransport : IMcpTransport
{
    private readonly IHttpEngine _http;
    private readonly McpServiceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly AuthHeaderCache? _auth;
    private readonly SecretRedactor _redactor;
    private readonly KeyValuePair<string, object?> _serviceTag;
    private readonly StallMonitor _stallMonitor;
    private readonly ConcurrentDictionary<string, HttpTarget> _toolTargets = new(StringComparer.Ordinal);

    /// <summary>Creates the transport.</summary>
    /// <param name="service">The service name, for telemetry tags only (errors are named by the caller).</param>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="options">The service's settings snapshot.</param>
    /// <param name="timeProvider">The clock.</param>
    public RestTransport(string service, Uri endpoint, McpServiceOptions options, TimeProvider timeProvider)
    {
        _options = options;
        _timeProvider = timeProvider;
        _http = HttpEngines.Create(endpoint, options, options.Queue.WorkerCount + options.Streams.MaxConcurrent, timeProvider);
        _auth = options.Http.BearerTokenProvider is { } provider ? new AuthHeaderCache(provider) : null;
        _redactor = new SecretRedactor(_auth, options.Http.Headers);
        _serviceTag = McpTelemetry.ServiceTag(service);
        _stallMonitor = new StallMonitor(timeProvider);
    }

    public Uri Address => _http.BaseAddress;

    public int OpenConnections => _http.OpenConnections;

    public ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken) => _http.WarmUpAsync(connections, cancellationToken);

    public string? ValidateResourcePath(string path)
    {
        ToolNames.EscapeResourcePath(path, out var reason);
        return reason;
    }

    /// <remarks>The REST protocol has no progress notifications: <paramref name="progress"/> is ignored.</remarks>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<ToolResult> CallToolAsync(string tool, ReadOnlyMemory<byte> argumentsUtf8, Cortex.Mcp.Fast.Transports.ToolCallMeta meta, IProgress<McpProgress>? progress, CancellationToken cancellationToken)
    {
        if (!_toolTargets.TryGetValue(tool, out var target))
        {
            target = _toolTargets.GetOrAdd(tool, static (name, http) => http.CreateTarget(HttpMethod.Post, new Uri(http.BaseAddress, "tool/" + Uri.EscapeDataString(name)), accept: null, "application/json"), _http);
        }

        var callHeaders = CallHeaders.Check(meta.Headers, _auth is not null, _options.Http.Headers);
        var refreshed = false;
        while (true)
        {
            var sentToken = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
            var responseStarted = false;
            try
            {
                var response = await _http.SendAsync(target, new HttpRequestFields { Authorization = sentToken?.Header, CallHeaders = callHeaders }, argumentsUtf8, cancellationToken).ConfigureAwait(false);
                await using var responseScope = response.ConfigureAwait(false);
                responseStarted = true;
                if (response.Status == 200)
                {
                    return await ReadResultAsync(response, cancellationToken).ConfigureAwait(false);
                }

                if (response.Status == 401 && sentToken is not null && !refreshed)
                {
                    // One refresh and one retry per call; a second 401 is final (never loops).
                    refreshed = true;
                    await _auth!.RefreshAsync(sentToken, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var error = await HttpErrorResponse.ReadAsync(response, _timeProvider, _redactor, cancellationToken).ConfigureAwait(false);
                throw error.ToFailure();
            }
            catch (Exception ex) when (ex is not TransportFailure && _http.MapFailure(ex, responseStarted, cancellationToken) is { } failure)
            {
                throw failure;
            }
        }
    }

    /// <remarks>REST replies are plain JSON bodies: there is never anything to resume.</remarks>
    public ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The REST protocol never asks for a resumption.");

    public ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromException<IReadOnlyList<McpToolInfo>>(TransportFailure.NotSupported("the REST protocol has no tools/list; it needs MCP Streamable HTTP."));

    public async IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var escaped = ToolNames.EscapeResourcePath(path, out var reason) ?? throw TransportFailure.InvalidTarget(reason!);
        var uri = new Uri(_http.BaseAddress, "resource/" + escaped);
        if (!uri.AbsolutePath.StartsWith(_http.BaseAddress.AbsolutePath, StringComparison.Ordinal))
        {
            throw TransportFailure.InvalidTarget("the resource path leaves the endpoint's base path.");
        }

        var stream = new ResumableEventStream(new ResourceSource(this, EventStreamRequest.CreateTarget(_http, uri)), _options.Streams, watchEvents: true, _timeProvider, OnReconnect, _stallMonitor);
        await using (stream.ConfigureAwait(false))
        {
            while (await stream.MoveNextAsync(cancellationToken).ConfigureAwait(false))
            {
                if (TryReadItem(stream, readItem, onInvalidItem, out var item))
                {
                    yield return item;
                }
            }
        }
    }

    public IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string uri, CancellationToken cancellationToken) =>
        Fail<McpResourceUpdate>(TransportFailure.NotSupported("the REST protocol has no resource subscriptions; they need MCP Streamable HTTP."));

    public ValueTask DisposeAsync()
    {
        _stallMonitor.Dispose();
        return _http.DisposeAsync();
    }

#pragma warning disable CS1998, CS0162 // an iterator that fails on its first move, like every other stream failure
    private static async IAsyncEnumerable<T> Fail<T>(TransportFailure failure)
    {
        throw failure;
        yield break;
    }
#pragma warning restore CS1998, CS0162

    private static bool TryReadItem<T>(ResumableEventStream stream, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, out T item)
    {
        var data = stream.Data;
        try
        {
            // The JSON reader checks UTF-8 only inside strings it decodes: check it all, so a caller never meets
            // an invalid sequence later.
            item = Utf8.IsValid(data) ? readItem(data) : throw new JsonException("The item is not valid UTF-8.");
            return true;
        }
        catch (JsonException ex)
        {
            // An item that is not valid JSON is skipped, logged and counted; the stream goes on.
            onInvalidItem(ex);
            item = default!;
            return false;
        }
    }

    private void OnReconnect() => McpTelemetry.Reconnects.Add(1, _serviceTag);

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<ToolResult> ReadResultAsync(HttpEngineResponse response, CancellationToken cancellationToken)
    {
        var (buffer, length) = await response.ReadBodyPooledAsync(_options.Http.MaxResponseBytes, cancellationToken).ConfigureAwait(false);
        if (!HttpBodies.IsWellFormedJson(buffer.AsSpan(0, length), out var error))
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            throw TransportFailure.Protocol("the result is not valid UTF-8 JSON.", error, status: 200);
        }

        return new ToolResult(buffer, length, pooled: true);
    }

    /// <summary>The GET of one resource, within the stream-open timeout, with the bearer token (refreshed once on 401).</summary>
    private sealed class ResourceSource(RestTransport owner, HttpTarget target) : IEventStreamSource
    {
        public IHttpEngine Engine => owner._http;

        public bool ReopenAfterEnd => false;

        public bool ReopenWithoutEventId => false;

        public async ValueTask<HttpEngineResponse?> OpenAsync(StreamCursor cursor, CancellationToken cancellationToken)
        {
            var openTimeout = owner._options.Streams.OpenTimeout;
            using var timeout = new CancellationTokenSource(openTimeout, owner._timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                var auth = owner._auth;
                var sentToken = auth is null ? null : await auth.GetAsync(linked.Token).ConfigureAwait(false);
                return await EventStreamRequest.SendAsync(
                    owner._http,
                    target,
                    new HttpRequestFields { Authorization = sentToken?.Header, LastEventId = EventStreamRequest.LastEventId(cursor) },
                    error =>
                    {
                        if (error.Status == 401 && sentToken is not null)
                        {
                            // The next open uses a fresh token; this one fails (never a refresh loop).
                            _ = auth!.RefreshAsync(sentToken, CancellationToken.None).AsTask();
                        }

                        return error.ToFailure();
                    },
                    owner._timeProvider,
                    owner._redactor,
                    linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException ex) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw TransportFailure.TimedOut(TimeoutLimit.StreamOpen, openTimeout, $"opening the stream took longer than {openTimeout.TotalMilliseconds:F0} ms.", ex);
            }
        }
    }
}
