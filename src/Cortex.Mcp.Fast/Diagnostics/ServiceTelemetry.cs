using System.Diagnostics;
using S = Cortex.Mcp.Fast.Diagnostics.McpSemanticConventions;

namespace Cortex.Mcp.Fast.Diagnostics;

/// <summary>
/// One service's spans and measurements, following the OpenTelemetry MCP conventions: a Client span per operation
/// named <c>{mcp.method.name} {target}</c> (target: the tool or prompt name, else none) and
/// <c>mcp.client.operation.duration</c> with <c>mcp.method.name</c>, <c>gen_ai.tool.name</c> /
/// <c>gen_ai.prompt.name</c>, <c>error.type</c>, <c>server.address</c>, <c>server.port</c>,
/// <c>network.protocol.name</c>, <c>network.transport</c> and <c>cortex.mcp.service</c>.
/// </summary>
/// <remarks>
/// <para>Cost without listeners: one <see cref="System.Diagnostics.Metrics.Instrument.Enabled"/> read and one
/// <see cref="ActivitySource.HasListeners"/> call per operation; no tag list is built and nothing is allocated.</para>
/// <para>Streamable HTTP operations also carry <c>mcp.session.id</c> (when the server gave one) and
/// <c>mcp.protocol.version</c> on their spans, set by the transport (<see cref="McpTelemetry.TagSession"/>);
/// those and <c>mcp.resource.uri</c> go on spans only, never on metrics (cardinality).</para>
/// </remarks>
internal sealed class ServiceTelemetry
{
    private readonly MeterInstruments _instruments;
    private readonly TimeProvider _timeProvider;
    private readonly long _started;

    /// <summary>The tags of the endpoint last seen; replaced (never mutated) when the service moves.</summary>
    private EndpointTags? _endpoint;

    public ServiceTelemetry(MeterInstruments instruments, string service, TimeProvider timeProvider)
    {
        _instruments = instruments;
        _timeProvider = timeProvider;
        Service = service;
        _started = timeProvider.GetTimestamp();
    }

    public string Service { get; }

    /// <summary>Telemetry on the static meter, for a dispatcher built without a client (tests).</summary>
    public static ServiceTelemetry Default(string service, TimeProvider timeProvider) =>
        new(MeterInstruments.For(McpTelemetry.Meter), service, timeProvider);

    /// <summary>
    /// Starts a tool call's span without making it the caller's current activity (the caller continues at once; the
    /// worker makes it current around each attempt so the HTTP handler propagates its trace context). Its parent is
    /// the caller's <see cref="Activity.Current"/>.
    /// </summary>
    /// <returns>The span, or <see langword="null"/> when nobody listens or samples it.</returns>
    public Activity? StartToolCall(string tool, Uri address)
    {
        if (!McpTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        var previous = Activity.Current;
        var activity = Start(S.ToolsCall, tool, address);
        if (activity is not null)
        {
            activity.SetTag(S.ToolName, tool);
            activity.SetTag(S.OperationName, S.ExecuteTool);
            Activity.Current = previous;
        }

        return activity;
    }

    /// <summary>Records a finished tool call: its duration and, when traced, ends its span.</summary>
    public void CompleteToolCall(string tool, Activity? activity, int attempts, TimeSpan elapsed, Exception? error, Uri address)
    {
        string? errorType = null;
        if (_instruments.OperationDuration.Enabled)
        {
            errorType = error is null ? null : ErrorTypes.Of(error);
            var tags = Tags(S.ToolsCall, EndpointOf(address));
            tags.Add(S.ToolName, tool);
            AddError(ref tags, errorType);
            _instruments.OperationDuration.Record(elapsed.TotalSeconds, in tags);
        }

        if (activity is not null)
        {
            activity.SetTag(S.Attempts, attempts);
            Stop(activity, error, errorType);
        }
    }

    /// <summary>
    /// Starts any operation other than a tool call (lists, reads, subscriptions, prompts, completion…); the span
    /// becomes the current activity of the calling async flow, so the request the operation sends carries it.
    /// </summary>
    /// <param name="method">The MCP method (<c>mcp.method.name</c>).</param>
    /// <param name="promptName">prompts/get: the prompt's name (the span's target and <c>gen_ai.prompt.name</c>).</param>
    /// <param name="resourceUri">resources/read or resources/subscribe: the resource (span attribute only).</param>
    /// <param name="address">The endpoint the operation goes to.</param>
    public OperationScope StartOperation(string method, string? promptName, string? resourceUri, Uri address)
    {
        var activity = McpTelemetry.ActivitySource.HasListeners() ? Start(method, promptName, address) : null;
        if (activity is not null)
        {
            if (promptName is not null)
            {
                activity.SetTag(S.PromptName, promptName);
            }

            if (resourceUri is not null)
            {
                activity.SetTag(S.ResourceUri, resourceUri);
            }
        }

        var started = _instruments.OperationDuration.Enabled ? _timeProvider.GetTimestamp() : 0;
        return new OperationScope(method, promptName, address, activity, started);
    }

    /// <summary>Records an operation started by <see cref="StartOperation"/>; <paramref name="error"/> is null on success.</summary>
    public void EndOperation(in OperationScope scope, Exception? error)
    {
        string? errorType = null;
        if (scope.Started != 0 && _instruments.OperationDuration.Enabled)
        {
            errorType = error is null ? null : ErrorTypes.Of(error);
            var tags = Tags(scope.Method, EndpointOf(scope.Address));
            if (scope.PromptName is not null)
            {
                tags.Add(S.PromptName, scope.PromptName);
            }

            AddError(ref tags, errorType);
            _instruments.OperationDuration.Record(_timeProvider.GetElapsedTime(scope.Started).TotalSeconds, in tags);
        }

        if (scope.Activity is { } activity)
        {
            Stop(activity, error, errorType);
        }
    }

    /// <summary>Records the time a tool call waited in the queue before its first attempt (accepted at <paramref name="enqueued"/>).</summary>
    public void RecordQueueWait(long enqueued)
    {
        if (_instruments.QueueWait.Enabled)
        {
            _instruments.QueueWait.Record(_timeProvider.GetElapsedTime(enqueued).TotalSeconds, new KeyValuePair<string, object?>(S.Service, Service));
        }
    }

    /// <summary>Records the service's session duration (from its start until now); called once, when it stops.</summary>
    public void EndSession(Uri address)
    {
        if (_instruments.SessionDuration.Enabled)
        {
            var endpoint = EndpointOf(address);
            var tags = new TagList
            {
                { S.ServerAddress, endpoint.Host },
                { S.ServerPort, endpoint.Port },
                { S.NetworkProtocolName, S.Http },
                { S.NetworkTransport, S.Tcp },
                { S.Service, Service },
            };
            _instruments.SessionDuration.Record(_timeProvider.GetElapsedTime(_started).TotalSeconds, in tags);
        }
    }

    /// <summary>The attributes of an observable measurement of this service (service and server).</summary>
    public KeyValuePair<string, object?>[] ObservationTags(Uri address) => EndpointOf(address).Observation;

    private static void AddError(ref TagList tags, string? errorType)
    {
        if (errorType is not null)
        {
            tags.Add(S.ErrorType, errorType);
        }
    }

    private static void Stop(Activity activity, Exception? error, string? errorType)
    {
        if (error is not null)
        {
            errorType ??= ErrorTypes.Of(error);
            activity.SetTag(S.ErrorType, errorType);

            // The conventions ask for the JSON-RPC error message when there is one; otherwise the error type.
            activity.SetStatus(ActivityStatusCode.Error, error is McpErrorException ? error.Message : errorType);
        }

        activity.Stop();
    }

    private Activity? Start(string method, string? target, Uri address)
    {
        var activity = McpTelemetry.ActivitySource.StartActivity(target is null ? method : method + " " + target, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            var endpoint = EndpointOf(address);
            activity.SetTag(S.MethodName, method);
            activity.SetTag(S.ServerAddress, endpoint.Host);
            activity.SetTag(S.ServerPort, endpoint.Port);
            activity.SetTag(S.NetworkProtocolName, S.Http);
            activity.SetTag(S.NetworkTransport, S.Tcp);
            activity.SetTag(S.Service, Service);
        }

        return activity;
    }

    private TagList Tags(string method, EndpointTags endpoint) => new()
    {
        { S.MethodName, method },
        { S.ServerAddress, endpoint.Host },
        { S.ServerPort, endpoint.Port },
        { S.NetworkProtocolName, S.Http },
        { S.NetworkTransport, S.Tcp },
        { S.Service, Service },
    };

    private EndpointTags EndpointOf(Uri address)
    {
        var endpoint = Volatile.Read(ref _endpoint);
        if (endpoint is null || !ReferenceEquals(endpoint.Address, address))
        {
            endpoint = new EndpointTags(address, Service);
            Volatile.Write(ref _endpoint, endpoint);
        }

        return endpoint;
    }

    /// <summary>An endpoint's attributes, computed once per endpoint (the port boxed once).</summary>
    private sealed class EndpointTags
    {
        public EndpointTags(Uri address, string service)
        {
            Address = address;
            Host = address.IdnHost.Trim('[', ']'); // server.address: an IPv6 literal without its URI brackets
            Port = address.Port;
            Observation =
            [
                new(S.Service, service),
                new(S.ServerAddress, Host),
                new(S.ServerPort, Port),
            ];
        }

        public Uri Address { get; }

        public string Host { get; }

        public object Port { get; }

        public KeyValuePair<string, object?>[] Observation { get; }
    }
}

/// <summary>An operation in progress (<see cref="ServiceTelemetry.StartOperation"/>); a value in the caller's frame.</summary>
internal readonly record struct OperationScope(string Method, string? PromptName, Uri Address, Activity? Activity, long Started);
