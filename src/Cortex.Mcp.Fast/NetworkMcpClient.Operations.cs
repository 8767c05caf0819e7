using System.Collections.Concurrent;
using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Operations;

namespace Cortex.Mcp.Fast;

/// <summary>The one path of every MCP operation other than tool calls, reads and subscriptions.</summary>
public sealed partial class NetworkMcpClient
{
    /// <summary>The caller's notification handlers per service; they outlive endpoint and session changes.</summary>
    private readonly ConcurrentDictionary<string, McpNotificationHandlers> _notifications = new(StringComparer.Ordinal);

    /// <summary>The notification handlers of <paramref name="service"/>, created on first use.</summary>
    private McpNotificationHandlers NotificationHandlersOf(string service) =>
        _notifications.GetOrAdd(service, static name => new McpNotificationHandlers(name));

    /// <summary>
    /// Sends one MCP request through the service's dispatcher (<see cref="ServiceRequests.RunAsync{TState, T}"/>:
    /// endpoint lease, breaker permit, call deadline, typed errors); no closure is allocated.
    /// </summary>
    private ValueTask<T> SendAsync<TState, T>(string service, McpRequest request, TState state, McpParamsWriter<TState>? writeParams, McpResultParser<T> parse, CancellationToken cancellationToken)
    {
        if (RejectService(service, request.Method.Text) is { } rejection)
        {
            return ValueTask.FromException<T>(rejection);
        }

        var call = new OperationCall<TState, T>(request, state, writeParams, parse);
        return _services.TryGetValue(service, out var dispatcher)
            ? Send(dispatcher, call, cancellationToken)
            : ConnectThenSendAsync(service, call, cancellationToken);
    }

    private async ValueTask<T> ConnectThenSendAsync<TState, T>(string service, OperationCall<TState, T> call, CancellationToken cancellationToken)
    {
        var dispatcher = await GetServiceAsync(service, cancellationToken).ConfigureAwait(false);
        return await Send(dispatcher, call, cancellationToken).ConfigureAwait(false);
    }

    private static ValueTask<T> Send<TState, T>(ServiceDispatcher dispatcher, OperationCall<TState, T> call, CancellationToken cancellationToken) =>
        dispatcher.Requests.RunAsync(
            call.Request.Method.Text,
            call,
            static (transport, c, token) => transport.SendRequestAsync(c.Request, c.State, c.WriteParams, c.Parse, token),
            cancellationToken,
            call.Request.Name);

    /// <summary>A protocol failure of a whole operation (a list past its bounds), built like every other error.</summary>
    private static ServiceCallException ListFailure(string service, McpMethodName method, string detail) =>
        ErrorFactory.FromFailure(service, method.Text, TransportFailure.Protocol(detail, status: 200), 1, OperationKind.Request);

    /// <summary>Everything one request needs, carried as state instead of a closure.</summary>
    private readonly record struct OperationCall<TState, T>(McpRequest Request, TState State, McpParamsWriter<TState>? WriteParams, McpResultParser<T> Parse);
}
