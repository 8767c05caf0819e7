using Cortex.Mcp.Fast.Transports.Http;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Cortex.Mcp.Fast.Resilience;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>
/// MCP over Streamable HTTP (DESIGN §4.2): every JSON-RPC message is its own POST to the one endpoint URL, answered
/// by one JSON body or an SSE stream; the session is created lazily and shared by every caller.
/// </summary>
/// <remarks>
/// <para>Thread-safe; one instance per endpoint, shared by the service's workers and streams.</para>
/// <para>Files: this one holds the facade operations (tools/call, tools/list, resources/read); <c>.Session.cs</c>
/// the lazy single-flight initialize, session loss and DELETE; <c>.Exchange.cs</c> one request's POST, reply
/// reading, cancellation notice and resumption; <c>.ServerRequests.cs</c> answers to server→client requests.</para>
/// </remarks>
internal sealed partial class StreamableHttpTransport : IMcpTransport
{
    /// <summary>Pages of tools/list read at most (a hostile server cannot make us loop).</summary>
    private const int MaxToolPages = 100;

    private readonly HttpEngine _http;
    private readonly Uri _postUri;
    private readonly McpServiceOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly AuthHeaderCache? _auth;
    private readonly McpClientIdentity _identity;
    private readonly CancellationTokenSource _disposed = new();
    private readonly string _service;

    public StreamableHttpTransport(string service, Uri endpoint, McpServiceOptions options, TimeProvider timeProvider)
    {
        _service = service;
        _options = options;
        _timeProvider = timeProvider;
        // Extra connections for cancellation notices, answers to server requests and resumption GETs.
        _http = new HttpEngine(endpoint, options, options.Queue.WorkerCount + options.Streams.MaxConcurrent + 4);
        _postUri = endpoint; // exactly as configured: the MCP endpoint is one URL, no trailing slash added
        _auth = options.Http.BearerTokenProvider is { } provider ? new AuthHeaderCache(provider) : null;
        _identity = new McpClientIdentity(
            "Cortex.Mcp.Fast",
            typeof(StreamableHttpTransport).Assembly.GetName().Version?.ToString(3) ?? "1.0.0",
            options.Mcp.ServerRequestHandler is null ? McpClientCapabilities.None
                : McpClientCapabilities.Sampling | McpClientCapabilities.Elicitation | McpClientCapabilities.Roots);
    }

    public Uri Address => _http.BaseAddress;

    public ValueTask<ToolResult> CallToolAsync(string tool, ReadOnlyMemory<byte> argumentsUtf8, IProgress<McpProgress>? progress, CancellationToken cancellationToken) =>
        CallToolAsync(_service, tool, argumentsUtf8, progress, cancellationToken);

    public ValueTask<ToolResult> ResumeToolCallAsync(ToolCallResumption resumption, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("Resumption is not scheduled by the dispatcher yet.");

    public ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(CancellationToken cancellationToken) => ListToolsAsync(_service, cancellationToken);

    public IAsyncEnumerable<T> ReadResourceAsync<T>(string path, Utf8ItemReader<T> readItem, Action<Exception> onInvalidItem, CancellationToken cancellationToken) =>
        StreamResourceAsync(_service, path, readItem, onInvalidItem, cancellationToken);

    public IAsyncEnumerable<McpResourceUpdate> SubscribeResourceAsync(string uri, CancellationToken cancellationToken) =>
        SubscribeResourceAsync(_service, uri, cancellationToken);

    public int OpenConnections => _http.OpenConnections;

    /// <summary>Starts the session ahead of use (best effort; the first call reports failures with context).</summary>
    public async ValueTask WarmUpAsync(int connections, CancellationToken cancellationToken)
    {
        try
        {
            await GetSessionAsync(string.Empty, "initialize", cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceCallException)
        {
            // Best effort, see above.
        }
    }

    /// <summary>For MCP the path is a resource URI: absolute, at most 2048 characters, no control characters.</summary>
    public string? ValidateResourcePath(string path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "a resource URI must not be empty.";
        }

        if (path.Length > 2048)
        {
            return "a resource URI must be at most 2048 characters.";
        }

        foreach (var c in path)
        {
            if (char.IsControl(c))
            {
                return "a resource URI must not contain control characters.";
            }
        }

        return Uri.TryCreate(path, UriKind.Absolute, out _) ? null : "an MCP resource must be named by an absolute URI.";
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<ToolResult> CallToolAsync(string service, string tool, ReadOnlyMemory<byte> argumentsUtf8, IProgress<McpProgress>? progress, CancellationToken cancellationToken)
    {
        var exchange = await RunAsync(
            service,
            tool,
            McpReplyKind.ToolCall,
            progress,
            "tools/call",
            tool,
            new ToolCallBody(tool, argumentsUtf8, progress is not null),
            static (writer, output, id, body) => writer.WriteToolsCall(output, id, body.Tool, body.Arguments.Span, body.WithProgress ? id : null),
            cancellationToken).ConfigureAwait(false);
        using (exchange)
        {
            if (exchange.Error is { } error)
            {
                throw error;
            }

            var (buffer, length) = exchange.TakeResult();
            return new ToolResult(buffer, length, pooled: true);
        }
    }

    /// <summary>The server's tools (<c>tools/list</c>, every page), cached per session until <c>list_changed</c>.</summary>
    public async ValueTask<IReadOnlyList<McpToolInfo>> ListToolsAsync(string service, CancellationToken cancellationToken)
    {
        var session = await GetSessionAsync(service, "tools/list", cancellationToken).ConfigureAwait(false);
        if (session.Tools is { } cached)
        {
            return cached;
        }

        var tools = new List<McpToolInfo>();
        string? cursor = null;
        for (var page = 0; page < MaxToolPages; page++)
        {
            var exchange = await RunAsync(
                service,
                "tools/list",
                McpReplyKind.Plain,
                null,
                "tools/list",
                null,
                cursor,
                static (writer, output, id, c) => writer.WriteToolsList(output, id, c),
                cancellationToken).ConfigureAwait(false);
            using (exchange)
            {
                if (exchange.Error is { } error)
                {
                    throw error;
                }

                cursor = ReadToolsPage(service, exchange, tools);
            }

            if (cursor is null)
            {
                break;
            }
        }

        var list = tools.AsReadOnly();
        // Cached on the session it was read from: a replaced session starts with an empty cache.
        var current = await GetSessionAsync(service, "tools/list", cancellationToken).ConfigureAwait(false);
        current.Tools = list;
        return list;
    }

    /// <summary><c>resources/read</c>: one item per entry of <c>contents</c> (the text or blob object itself).</summary>
    public async IAsyncEnumerable<T> StreamResourceAsync<T>(
        string service,
        string path,
        Utf8ItemReader<T> readItem,
        Action<Exception> onInvalidItem,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (ValidateResourcePath(path) is { } reason)
        {
            throw new InvalidToolNameException(service, path, reason);
        }

        var (buffer, length) = await ReadResourceAsync(service, path, cancellationToken).ConfigureAwait(false);
        try
        {
            var ranges = FindContents(service, path, buffer.AsSpan(0, length));
            foreach (var (start, count) in ranges)
            {
                T item;
                try
                {
                    item = readItem(buffer.AsSpan(start, count));
                }
                catch (JsonException ex)
                {
                    onInvalidItem(ex);
                    continue;
                }

                yield return item;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        await _disposed.CancelAsync().ConfigureAwait(false);
        await EndSessionAsync().ConfigureAwait(false);
        _http.Dispose();
        _disposed.Dispose();
    }

    private async ValueTask<(byte[] Buffer, int Length)> ReadResourceAsync(string service, string uri, CancellationToken cancellationToken)
    {
        McpExchange exchange;
        try
        {
            exchange = await RunAsync(
                service,
                uri,
                McpReplyKind.Plain,
                null,
                "resources/read",
                uri,
                uri,
                static (writer, output, id, u) => writer.WriteResourcesRead(output, id, u),
                cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceCallException ex) when (ex is not ResourceStreamException)
        {
            throw new ResourceStreamException(service, uri, ex.Message, ex.FailureKind, ex) { StatusCode = ex.StatusCode, RetryAfter = ex.RetryAfter };
        }

        using (exchange)
        {
            if (exchange.Error is { } error)
            {
                throw new ResourceStreamException(service, uri, error.Message, error.FailureKind, error) { StatusCode = error.StatusCode };
            }

            return exchange.TakeResult();
        }
    }

    /// <summary>Start and length of every element of <c>result.contents</c>.</summary>
    private static List<(int Start, int Length)> FindContents(string service, string uri, ReadOnlySpan<byte> result)
    {
        var ranges = new List<(int, int)>();
        try
        {
            var reader = new Utf8JsonReader(result, new JsonReaderOptions { MaxDepth = JsonRpcMessageReader.MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new JsonException("The result is not an object.");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isContents = reader.ValueTextEquals("contents"u8);
                reader.Read();
                if (!isContents || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    ranges.Add((start, (int)reader.BytesConsumed - start));
                }
            }
        }
        catch (JsonException ex)
        {
            throw new ResourceStreamException(service, uri, $"Service '{service}' answered resources/read with a result that is not a contents list.", FailureKind.ProtocolError, ex);
        }

        return ranges;
    }

    /// <summary>Reads one page of tools/list into <paramref name="tools"/>; returns the next cursor or null.</summary>
    private static string? ReadToolsPage(string service, McpExchange exchange, List<McpToolInfo> tools)
    {
        var (buffer, length) = exchange.TakeResult();
        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length), new JsonDocumentOptions { MaxDepth = JsonRpcMessageReader.MaxDepth });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("tools"u8, out var items) || items.ValueKind != JsonValueKind.Array)
            {
                throw new ServiceProtocolException(service, "tools/list", $"Service '{service}' answered tools/list without a tools array.");
            }

            foreach (var item in items.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("name"u8, out var name) || name.ValueKind != JsonValueKind.String)
                {
                    continue; // a nameless entry cannot be called; skip it
                }

                var description = item.TryGetProperty("description"u8, out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
                var schema = item.TryGetProperty("inputSchema"u8, out var s) ? s.Clone() : default;
                tools.Add(new McpToolInfo(name.GetString()!, description, schema));
            }

            return root.TryGetProperty("nextCursor"u8, out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        catch (JsonException ex)
        {
            throw new ServiceProtocolException(service, "tools/list", $"Service '{service}' answered tools/list with invalid JSON.", ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The state a tools/call body is written from (no closure per call).</summary>
    private readonly record struct ToolCallBody(string Tool, ReadOnlyMemory<byte> Arguments, bool WithProgress);
}
