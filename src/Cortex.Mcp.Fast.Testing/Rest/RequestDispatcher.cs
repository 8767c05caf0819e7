using Cortex.Mcp.Fast.Testing.Internal;
using Cortex.Mcp.Fast.Testing.Mcp;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Rest;

/// <summary>
/// The service's single request delegate: counts the request, applies the request-wide faults (stall, intercept,
/// bearer authentication), then routes <c>/tool/{name}</c>, <c>/resource/{*path}</c> and <c>/mcp</c> (MCP
/// Streamable HTTP, see <see cref="McpEndpoint"/>) by hand (no routing middleware on the hot path).
/// </summary>
internal sealed class RequestDispatcher
{
    private const string ToolPrefix = "/tool/";
    private const string ResourcePrefix = "/resource/";
    private const string McpPath = "/mcp";

    private readonly TestFaults _faults;
    private readonly TestServiceCounters _counters;
    private readonly ToolEndpoints _tools;
    private readonly ResourceEndpoints _resources;
    private readonly McpEndpoint _mcp;
    private readonly CancellationToken _stopping;

    public RequestDispatcher(TestFaults faults, TestServiceCounters counters, TestMcpEndpoint mcp,
        ConnectionRegistry connections, CancellationToken stopping)
    {
        _faults = faults;
        _counters = counters;
        _stopping = stopping;
        _tools = new ToolEndpoints(faults, counters, stopping);
        _resources = new ResourceEndpoints(connections, stopping);
        _mcp = new McpEndpoint(faults, counters, mcp, connections, stopping);
    }

    private enum Route
    {
        None,
        Tool,
        Resource,
        Mcp,
    }

    public Task HandleAsync(HttpContext context)
    {
        // The stall is taken before the request is counted: a test that has seen the count knows which request
        // got the stall.
        var stall = _faults.TakeStall();
        _counters.OnRequest();
        if (_stopping.IsCancellationRequested)
        {
            // Stopping: a request that arrives now (a client's retry, say) must not find the gate open and succeed.
            context.Abort();
            return Task.CompletedTask;
        }

        var path = context.Request.Path.Value ?? string.Empty;
        Route route;
        if (path.StartsWith(ToolPrefix, StringComparison.Ordinal))
        {
            route = Route.Tool;
            _counters.OnToolRequest(path.AsSpan(ToolPrefix.Length));
        }
        else if (path.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        {
            route = Route.Resource;
            _counters.OnResourceRequest(path.AsSpan(ResourcePrefix.Length));
        }
        else if (path == McpPath)
        {
            route = Route.Mcp; // MCP tool calls and resource reads are counted once their body is parsed
        }
        else
        {
            route = Route.None;
        }

        var intercept = _faults.Intercept;
        if (stall > TimeSpan.Zero || intercept is not null)
        {
            return HandleWithPreludeAsync(context, path, route, stall, intercept);
        }

        return AuthenticateAndRoute(context, path, route);
    }

    private async Task HandleWithPreludeAsync(HttpContext context, string path, Route route, TimeSpan stall,
        Func<HttpContext, ValueTask<bool>>? intercept)
    {
        if (stall > TimeSpan.Zero && !await RequestDelay.DelayOrAbortAsync(context, stall, _stopping).ConfigureAwait(false))
        {
            return;
        }

        if (intercept is not null && await intercept(context).ConfigureAwait(false))
        {
            return;
        }

        await AuthenticateAndRoute(context, path, route).ConfigureAwait(false);
    }

    private Task AuthenticateAndRoute(HttpContext context, string path, Route route)
    {
        var token = _faults.ValidBearerToken;
        if (token is not null && (!HasBearer(context.Request, token) || _faults.TakeTokenRejection()))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            Responses.WriteDetail(context.Response, StatusCodes.Status401Unauthorized, "unauthorized");
            return Task.CompletedTask;
        }

        switch (route)
        {
            case Route.Tool:
                return _tools.HandleAsync(context, path.AsMemory(ToolPrefix.Length));
            case Route.Resource:
                return _resources.HandleAsync(context, path.AsMemory(ResourcePrefix.Length));
            case Route.Mcp:
                return _mcp.HandleAsync(context);
            default:
                Responses.WriteDetail(context.Response, StatusCodes.Status404NotFound, "Not found: " + path);
                return Task.CompletedTask;
        }
    }

    private static bool HasBearer(HttpRequest request, string token)
    {
        var values = request.Headers.Authorization;
        if (values.Count != 1)
        {
            return false;
        }

        var value = values[0].AsSpan().Trim();
        const string Scheme = "Bearer ";
        return value.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase)
            && value[Scheme.Length..].TrimStart().SequenceEqual(token);
    }
}
