using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.ServerSentEvents;

namespace Cortex.Mcp.Fast.Transports.Rest;

/// <summary>
/// The seed's REST+SSE protocol (DESIGN §4.1): <c>POST {endpoint}/tool/{tool}</c> with the arguments as the JSON
/// body, <c>GET {endpoint}/resource/{path}</c> answered with an SSE stream of JSON items.
/// </summary>
/// <remarks>Thread-safe; one instance per endpoint, shared by the service's workers and streams.</remarks>
internal sealed class RestTransport : IMcpTransport
{
    private static readonly MediaTypeWithQualityHeaderValue s_acceptEventStream = new("text/event-stream");

    private readonly HttpEndpoint _http;
    private readonly McpServiceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly AuthHeaderCache? _auth;
    private readonly ConcurrentDictionary<string, Uri> _toolUris = new(StringComparer.Ordinal);
    private readonly string _service;

    public RestTransport(string service, Uri endpoint, McpServiceOptions options, TimeProvider timeProvider)
    {
        _service = service;
        _options = options;
        _timeProvider = timeProvider;
        _http = new HttpEndpoint(endpoint, options, options.Queue.WorkerCount + options.Streams.MaxConcurrent);
        _auth = options.Http.BearerTokenProvider is { } provider ? new AuthHeaderCache(provider) : null;
    }

    public Uri Address => _http.BaseAddress;

    public ValueTask<ToolResult> CallToolAsync(string tool, ReadOnlyMemory<byte> argumentsUtf8, IProgress<McpProgress>? progress, CancellationToken cancellationToken) =>
        CallToolAsync(_service, tool, argumentsUtf8, progress, cancellationToken);

    /// <remarks>REST replies are plain JSON bodies: there is never anything to resume.</remarks>
    public ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("The REST protocol never asks for a resumption.");

    public ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken) =>
        ValueTask.FromException<IReadOnlyList<McpToolInfo>>(TransportFailure.NotSupported("the REST protocol has no tools/list; it needs MCP Streamable HTTP."));

    public IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, CancellationToken cancellationToken) =>
        StreamResourceAsync(_service, path, readItem, onInvalidItem, cancellationToken);

#pragma warning disable CS1998 // an iterator that fails on its first move, like every other stream failure
    public async IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string uri, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        throw TransportFailure.NotSupported("the REST protocol has no resource subscriptions; they need MCP Streamable HTTP.");
#pragma warning disable CS0162 // an iterator needs a yield
        yield break;
#pragma warning restore CS0162
    }
#pragma warning restore CS1998

    public int OpenConnections => _http.OpenConnections;

    public async ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken)
    {
        // SocketsHttpHandler has no "open a connection" call. An HTTP/1.1 connection stays busy until its response
        // is read or disposed, so N requests whose responses are all held until every one has arrived force N
        // distinct pooled connections. Any answer (even 404) will do; failures are not fatal here — the first call
        // reports connection problems with full context.
        var requests = new HttpRequestMessage[connections];
        var sends = new Task<HttpResponseMessage>[connections];
        for (var i = 0; i < connections; i++)
        {
            requests[i] = new HttpRequestMessage(HttpMethod.Get, _http.BaseAddress);
            sends[i] = _http.Invoker.SendAsync(requests[i], cancellationToken);
        }

        try
        {
            await Task.WhenAll(sends).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            // Best effort, see above.
        }
        finally
        {
            foreach (var send in sends)
            {
                if (send.IsCompletedSuccessfully)
                {
                    send.Result.Dispose();
                }
            }

            foreach (var request in requests)
            {
                request.Dispose();
            }
        }
    }

    public string? ValidateResourcePath(string path)
    {
        ToolNames.EscapeResourcePath(path, out var reason);
        return reason;
    }

    /// <remarks>The REST protocol has no progress notifications: <paramref name="progress"/> is ignored.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ToolResult> CallToolAsync(string service, string tool, ReadOnlyMemory<byte> argumentsUtf8, IProgress<McpProgress>? progress, CancellationToken cancellationToken)
    {
        var uri = _toolUris.GetOrAdd(tool, static (name, baseAddress) => new Uri(baseAddress, "tool/" + Uri.EscapeDataString(name)), _http.BaseAddress);
        var refreshed = false;
        while (true)
        {
            var sentToken = _auth is null ? null : await _auth.GetAsync(cancellationToken).ConfigureAwait(false);
            var responseStarted = false;
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ReadOnlyMemoryContent(argumentsUtf8) };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            if (sentToken is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", sentToken.Header);
            }

            try
            {
                using var response = await _http.Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
                responseStarted = true;
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return await ReadResultAsync(response, service, tool, cancellationToken).ConfigureAwait(false);
                }

                if (response.StatusCode == HttpStatusCode.Unauthorized && sentToken is not null && !refreshed)
                {
                    // One refresh and one retry per call; a second 401 is final (never loops).
                    refreshed = true;
                    await _auth!.RefreshAsync(sentToken, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                throw await HttpBodies.CreateErrorAsync(response, service, tool, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not ServiceCallException && HttpFailures.Map(ex, service, tool, _http, responseStarted, cancellationToken) is { } typed)
            {
                throw typed;
            }
        }
    }

    public async IAsyncEnumerable<T> StreamResourceAsync<T>(
        string service,
        string path,
        Utf8ItemReader<T> readItem,
        Action<Exception> onInvalidItem,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var escaped = ToolNames.EscapeResourcePath(path, out var reason) ?? throw new InvalidToolNameException(service, path, reason!);
        var uri = new Uri(_http.BaseAddress, "resource/" + escaped);
        if (!uri.AbsolutePath.StartsWith(_http.BaseAddress.AbsolutePath, StringComparison.Ordinal))
        {
            throw new InvalidToolNameException(service, path, "the resource path leaves the endpoint's base path.");
        }

        using var response = await OpenStreamAsync(service, path, uri, cancellationToken).ConfigureAwait(false);
        Stream body;
        try
        {
            body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw StreamFailure(service, path, ex);
        }

        var pipe = PipeReader.Create(body, new StreamPipeReaderOptions(leaveOpen: false));
        using var events = new SseEventReader(pipe, SseParserOptions.Default);
        try
        {
            while (true)
            {
                bool more;
                try
                {
                    more = await events.MoveNextAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    throw StreamFailure(service, path, ex);
                }

                if (!more)
                {
                    yield break;
                }

                if (TryReadItem(events, readItem, onInvalidItem, out var item))
                {
                    yield return item;
                }
            }
        }
        finally
        {
            await pipe.CompleteAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }

    private static bool TryReadItem<T>(SseEventReader events, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, out T item)
    {
        var current = events.Current;
        if (current.IsDataEmpty)
        {
            item = default!;
            return false; // keep-alive or priming event: nothing to hand out
        }

        try
        {
            item = readItem(current.Data);
            return true;
        }
        catch (JsonException ex)
        {
            // Seed behaviour: an item that is not valid JSON is skipped, logged and counted; the stream goes on.
            onInvalidItem(ex);
            item = default!;
            return false;
        }
    }

    private async Task<HttpResponseMessage> OpenStreamAsync(string service, string path, Uri uri, CancellationToken cancellationToken)
    {
        using var openTimeout = new CancellationTokenSource(_options.Streams.OpenTimeout, _timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, openTimeout.Token);
        HttpResponseMessage? response = null;
        try
        {
            var sentToken = _auth is null ? null : await _auth.GetAsync(linked.Token).ConfigureAwait(false);
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Accept.Add(s_acceptEventStream);
            if (sentToken is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", sentToken.Header);
            }

            response = await _http.Invoker.SendAsync(request, linked.Token).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                if (response.StatusCode == HttpStatusCode.Unauthorized && sentToken is not null)
                {
                    await _auth!.RefreshAsync(sentToken, linked.Token).ConfigureAwait(false);
                }

                var error = await HttpBodies.CreateErrorAsync(response, service, path, _timeProvider, linked.Token).ConfigureAwait(false);
                throw new ResourceStreamException(service, path, error.Message, error.FailureKind) { StatusCode = error.StatusCode, RetryAfter = error.RetryAfter };
            }

            if (response.Content.Headers.ContentType?.MediaType is not { } media || !media.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                throw new ResourceStreamException(service, path, $"Service '{service}' answered the stream with content type '{response.Content.Headers.ContentType?.MediaType ?? "(none)"}', not text/event-stream.", FailureKind.ProtocolError);
            }

            return response;
        }
        catch (OperationCanceledException ex) when (openTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            throw new ResourceStreamException(service, path, $"Opening resource '{path}' of service '{service}' exceeded its stream-open timeout of {_options.Streams.OpenTimeout.TotalMilliseconds:F0} ms.", FailureKind.Timeout, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            response?.Dispose();
            throw StreamFailure(service, path, ex);
        }
    }

    private ResourceStreamException StreamFailure(string service, string path, Exception ex)
    {
        if (ex is ResourceStreamException stream)
        {
            return stream;
        }

        if (ex is SseLimitExceededException limit)
        {
            return new ResourceStreamException(service, path, $"Resource '{path}' of service '{service}' broke a stream limit: {limit.Message}", FailureKind.ProtocolError, limit);
        }

        var typed = HttpFailures.Map(ex, service, path, _http, responseStarted: true, CancellationToken.None)!;
        return new ResourceStreamException(service, path, typed.Message, typed.FailureKind, ex) { StatusCode = typed.StatusCode };
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ToolResult> ReadResultAsync(HttpResponseMessage response, string service, string tool, CancellationToken cancellationToken)
    {
        var (buffer, length) = await HttpBodies.ReadPooledAsync(response.Content, _options.Http.MaxResponseBytes, service, tool, cancellationToken).ConfigureAwait(false);
        if (!HttpBodies.IsWellFormedJson(buffer.AsSpan(0, length), out var error))
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            throw new ServiceProtocolException(service, tool, $"Service '{service}' tool '{tool}' returned a body that is not valid JSON.", error);
        }

        return new ToolResult(buffer, length, pooled: true);
    }
}
