using Cortex.Mcp.Fast.Testing.Internal;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Rest;

/// <summary>
/// <c>POST /tool/{name}</c>: the tool-call faults (gate, latency, planned failures, error rate), then the body is
/// read whole from the request pipe (<see cref="RequestBody"/>) and handed to <see cref="BuiltInTools"/>.
/// </summary>
internal sealed class ToolEndpoints
{
    private static readonly Action<HttpResponse, BadHttpRequestException> s_writeBadBody =
        static (response, ex) => Responses.WriteDetail(response, ex.StatusCode, "Bad request body: " + ex.Message);

    private readonly TestFaults _faults;
    private readonly BuiltInTools _tools;
    private readonly CancellationToken _stopping;

    public ToolEndpoints(TestFaults faults, TestServiceCounters counters, CancellationToken stopping)
    {
        _faults = faults;
        _stopping = stopping;
        _tools = new BuiltInTools(faults, counters, stopping);
    }

    public Task HandleAsync(HttpContext context, ReadOnlyMemory<char> tool)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            Responses.WriteMethodNotAllowed(context.Response, "POST");
            return Task.CompletedTask;
        }

        var kind = BuiltInTools.Classify(tool.Span);
        if (_faults.Gate.IsOpen && _faults.ToolLatency == TimeSpan.Zero)
        {
            return InjectFailure(context, tool.Span) ? Task.CompletedTask : RunAsync(context, kind, tool);
        }

        return HandleSlowAsync(context, kind, tool);
    }

    private async Task HandleSlowAsync(HttpContext context, ToolKind kind, ReadOnlyMemory<char> tool)
    {
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping))
        {
            try
            {
                await _faults.Gate.PassAsync(linked.Token).ConfigureAwait(false);
                var latency = _faults.ToolLatency;
                if (latency > TimeSpan.Zero)
                {
                    await Task.Delay(latency, linked.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                context.Abort();
                return;
            }
        }

        if (!InjectFailure(context, tool.Span))
        {
            await RunAsync(context, kind, tool).ConfigureAwait(false);
        }
    }

    /// <summary>Writes a planned (<see cref="TestFaults.FailNext"/>) or random (<see cref="TestFaults.ErrorRate"/>)
    /// failure, if this call gets one.</summary>
    private bool InjectFailure(HttpContext context, ReadOnlySpan<char> tool)
    {
        if (_faults.HasFailurePlans && _faults.TryTakeFailure(tool, out var status, out var retryAfter))
        {
            Responses.WriteError(context.Response, status, $"Injected failure ({status})", _faults.ErrorBodyForm, retryAfter);
            return true;
        }

        if (_faults.ShouldFailRandomly())
        {
            var errorStatus = _faults.ErrorStatus;
            Responses.WriteError(context.Response, errorStatus, $"Injected random failure ({errorStatus})",
                _faults.ErrorBodyForm, _faults.ErrorRetryAfter);
            return true;
        }

        return false;
    }

    private async Task RunAsync(HttpContext context, ToolKind kind, ReadOnlyMemory<char> tool)
    {
        if (_stopping.IsCancellationRequested)
        {
            context.Abort(); // the service began to stop while this call was on its way through the faults
            return;
        }

        if (kind == ToolKind.Unknown)
        {
            Responses.WriteDetail(context.Response, StatusCodes.Status404NotFound, "Unknown tool: " + tool.ToString());
            return;
        }

        if (await RequestBody.ReadWholeAsync(context, s_writeBadBody).ConfigureAwait(false) is not { } result)
        {
            return;
        }

        try
        {
            await _tools.RunAsync(context, kind, result.Buffer).ConfigureAwait(false);
        }
        finally
        {
            context.Request.BodyReader.AdvanceTo(result.Buffer.End);
        }
    }
}

/// <summary>The tools the service knows.</summary>
internal enum ToolKind
{
    Unknown,
    Echo,
    Add,
    Sleep,
    Fail,
    Flaky,
    Count,

    /// <summary>MCP only: sends progress notifications, then a result.</summary>
    Progress,
}
