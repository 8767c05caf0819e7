using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Transports;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cortex.Mcp.Fast;

/// <summary>
/// Calls tools and streams resources on remote MCP services. One instance is meant to be shared by a whole host
/// service; it is thread-safe.
/// </summary>
/// <remarks>
/// Per service: a bounded queue drained by a fixed set of workers over a pooled connection, a lock-free circuit
/// breaker, deadline-aware retries with exponential backoff and jitter, and bounded stream slots for resources.
/// Every failure a caller sees is a <see cref="ServiceCallException"/> (or <see cref="OperationCanceledException"/>
/// for the caller's own cancellation).
/// </remarks>
public sealed partial class NetworkMcpClient : IAsyncDisposable
{
    private readonly NetworkMcpClientOptions _options;
    private readonly ConcurrentDictionary<string, ServiceDispatcher> _services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<ServiceDispatcher>>> _connecting = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private readonly ClientTelemetry _telemetry;
    private int _disposed;

    /// <summary>Creates a client over <paramref name="discovery"/> with default settings.</summary>
    public NetworkMcpClient(IServiceDiscovery discovery)
        : this(new NetworkMcpClientOptions { Discovery = discovery ?? throw new ArgumentNullException(nameof(discovery)) })
    {
    }

    /// <summary>Creates a client.</summary>
    public NetworkMcpClient(NetworkMcpClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.Discovery, nameof(options.Discovery));
        ArgumentNullException.ThrowIfNull(options.TimeProvider, nameof(options.TimeProvider));
        ArgumentNullException.ThrowIfNull(options.RandomSource, nameof(options.RandomSource));
        options.DefaultServiceOptions.Validate();
        foreach (var (name, service) in options.Services)
        {
            service.Http?.Validate(name); // first, so a refused HTTP combination names its service
            service.Validate();
        }

        _options = options;
        _logger = options.LoggerFactory?.CreateLogger<NetworkMcpClient>() ?? NullLogger<NetworkMcpClient>.Instance;
        _telemetry = new ClientTelemetry(options.MeterFactory, options.TimeProvider, _services);
        _options.Discovery.EndpointChanged += OnEndpointChanged;
    }

    /// <summary>
    /// Resolves <paramref name="service"/>, creates its queue, workers and a connection pool per endpoint, and
    /// pre-opens <see cref="HttpOptions.MinConnections"/> connections to each endpoint. Calling it is optional: the first call connects.
    /// </summary>
    /// <exception cref="ServiceNotFoundException">Discovery does not know the service.</exception>
    public async ValueTask ConnectAsync(string service, CancellationToken cancellationToken = default)
    {
        var dispatcher = await GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        var minimum = dispatcher.Options.Http.MinConnections;
        foreach (var endpoint in dispatcher.Endpoints)
        {
            if (minimum > 0)
            {
                await endpoint.Transport.WarmUpAsync(minimum, cancellationToken).ConfigureAwait(false);
            }

            Log.Connected(_logger, service, endpoint.Address, endpoint.Transport.OpenConnections);
        }
    }

    /// <summary>Calls <paramref name="tool"/> on <paramref name="service"/> with a JSON object of arguments.</summary>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="tool">The tool name: 1–128 characters of <c>[A-Za-z0-9_.-]</c>, not <c>.</c> or <c>..</c>.</param>
    /// <param name="arguments">The arguments object; <see langword="default"/> sends <c>{}</c>.</param>
    /// <param name="options">Per-call deadline, retries and idempotency; null for the service's defaults.</param>
    /// <param name="cancellationToken">Cancels the call: a queued call leaves at once, an in-flight request is aborted.</param>
    /// <returns>The result; dispose it to return its pooled memory.</returns>
    public ValueTask<ToolResult> CallToolAsync(string service, string tool, JsonElement arguments = default, ToolCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (Reject(service, tool) is { } rejection)
        {
            return ValueTask.FromException<ToolResult>(rejection);
        }

        ReadOnlySpan<byte> bytes;
        try
        {
            bytes = ArgumentWriter.Write(arguments);
        }
        catch (ArgumentException ex)
        {
            return ValueTask.FromException<ToolResult>(ErrorFactory.BadArguments(service, tool, ex.Message, ex));
        }

        return Enqueue(service, tool, bytes, options, cancellationToken);
    }

    /// <summary>Calls a tool with pre-serialised UTF-8 JSON arguments (copied; the caller may reuse the memory).</summary>
    public ValueTask<ToolResult> CallToolAsync(string service, string tool, ReadOnlyMemory<byte> argumentsUtf8, ToolCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (Reject(service, tool) is { } rejection)
        {
            return ValueTask.FromException<ToolResult>(rejection);
        }

        return Enqueue(service, tool, argumentsUtf8.IsEmpty ? ArgumentWriter.EmptyObject : argumentsUtf8.Span, options, cancellationToken);
    }

    /// <summary>Calls a tool with typed arguments serialised by source-generated metadata (AOT-safe).</summary>
    public ValueTask<ToolResult> CallToolAsync<TArguments>(string service, string tool, TArguments arguments, JsonTypeInfo<TArguments> argumentsTypeInfo, ToolCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(argumentsTypeInfo);
        if (Reject(service, tool) is { } rejection)
        {
            return ValueTask.FromException<ToolResult>(rejection);
        }

        ReadOnlySpan<byte> bytes;
        try
        {
            bytes = ArgumentWriter.Write(arguments, argumentsTypeInfo);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            return ValueTask.FromException<ToolResult>(ErrorFactory.BadArguments(service, tool, ex.GetType().Name, ex));
        }

        return Enqueue(service, tool, bytes, options, cancellationToken);
    }

    /// <summary>
    /// Calls a tool with typed arguments and reads its structured result as <typeparamref name="TResult"/> (AOT-safe;
    /// the pooled result is released at once): see <see cref="ToolResult.DeserializeStructuredContent{T}"/>.
    /// </summary>
    /// <exception cref="ServiceProtocolException">The result has no structured content matching <typeparamref name="TResult"/>.</exception>
    public async ValueTask<TResult?> CallToolAsync<TArguments, TResult>(string service, string tool, TArguments arguments, JsonTypeInfo<TArguments> argumentsTypeInfo, JsonTypeInfo<TResult> resultTypeInfo, ToolCallOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(resultTypeInfo);
        using var result = await CallToolAsync(service, tool, arguments, argumentsTypeInfo, options, cancellationToken).ConfigureAwait(false);
        try
        {
            return result.DeserializeStructuredContent(resultTypeInfo);
        }
        catch (JsonException ex)
        {
            throw ErrorFactory.ResultMismatch(service, tool, typeof(TResult).Name, ex);
        }
    }

    /// <summary>Returns a snapshot of every connected service: queue, pool, breaker and per-tool statistics.</summary>
    public ClientDiagnostics GetDiagnostics()
    {
        var services = new Dictionary<string, ServiceDiagnostics>(StringComparer.Ordinal);
        foreach (var (name, dispatcher) in _services)
        {
            services[name] = dispatcher.GetDiagnostics();
        }

        return new ClientDiagnostics(services);
    }

    /// <summary>
    /// Stops the client: queued calls fail with <see cref="ClientDisposedException"/>, in-flight requests are
    /// aborted, workers exit and connection pools close. Idempotent.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _options.Discovery.EndpointChanged -= OnEndpointChanged;
        var disposals = new List<Task>();
        foreach (var dispatcher in _services.Values)
        {
            dispatcher.Telemetry.EndSession(dispatcher.Endpoint.Address);
            disposals.Add(dispatcher.DisposeAsync().AsTask());
        }

        await Task.WhenAll(disposals).ConfigureAwait(false);
        _services.Clear();
        _telemetry.Dispose();
    }

    private ValueTask<ToolResult> Enqueue(string service, string tool, ReadOnlySpan<byte> arguments, ToolCallOptions? options, CancellationToken cancellationToken)
    {
        if (_services.TryGetValue(service, out var dispatcher))
        {
            return dispatcher.EnqueueAsync(tool, arguments, options, cancellationToken);
        }

        // First call to this service: connect, then enqueue. The arguments must outlive this frame.
        return ConnectThenEnqueueAsync(service, tool, arguments.ToArray(), options, cancellationToken);
    }

    private async ValueTask<ToolResult> ConnectThenEnqueueAsync(string service, string tool, byte[] arguments, ToolCallOptions? options, CancellationToken cancellationToken)
    {
        var dispatcher = await GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        return await dispatcher.EnqueueAsync(tool, arguments, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The facade's own refusals of a tool call, before any I/O: disposed client, no service name, bad tool name.</summary>
    private ServiceCallException? Reject(string service, string tool) =>
        RejectService(service, tool) ?? (ToolNames.Validate(tool) is { } reason ? ErrorFactory.InvalidToolName(service, tool ?? string.Empty, reason) : null);

    /// <summary>The facade's own refusals of any operation, before any I/O: disposed client, no service name.</summary>
    private ServiceCallException? RejectService(string service, string operation)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ErrorFactory.Disposed(service ?? string.Empty, operation ?? string.Empty);
        }

        return string.IsNullOrEmpty(service) ? ErrorFactory.ServiceNotFound(service ?? string.Empty, operation ?? string.Empty) : null;
    }

    /// <summary>
    /// The service's dispatcher, resolving and starting it on first use. A failed resolution (the service is not
    /// registered, discovery threw, or it returned an endpoint that cannot be used) is never cached: the next call
    /// resolves again. No negative cache: discovery is asked once per caller while the service cannot start
    /// (concurrent callers share one resolution).
    /// </summary>
    private async ValueTask<ServiceDispatcher> GetServiceAsync(string service, CancellationToken cancellationToken)
    {
        if (_services.TryGetValue(service, out var existing))
        {
            return existing;
        }

        if (Volatile.Read(ref _disposed) != 0)
        {
            throw ErrorFactory.Disposed(service, string.Empty);
        }

        var lazy = _connecting.GetOrAdd(service, name => new Lazy<Task<ServiceDispatcher>>(() => CreateServiceAsync(name)));
        var creation = lazy.Value;
        try
        {
            return await creation.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch when (creation.IsFaulted || creation.IsCanceled)
        {
            // Let a later call try again (the service may be registered or reachable by then).
            _connecting.TryRemove(new KeyValuePair<string, Lazy<Task<ServiceDispatcher>>>(service, lazy));
            throw;
        }
    }

    /// <summary>Why discovery's <paramref name="address"/> cannot be used, or null. The address itself is never quoted (it may carry credentials).</summary>
    internal static string? CheckEndpoint(Uri? address)
    {
        if (address is null || !address.IsAbsoluteUri)
        {
            return "discovery returned an endpoint that is not an absolute URI.";
        }

        if (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps)
        {
            return $"discovery returned an endpoint with the scheme '{address.Scheme}'; only http and https are supported.";
        }

        return string.IsNullOrEmpty(address.UserInfo) ? null : "discovery returned an endpoint that carries user information.";
    }
}
