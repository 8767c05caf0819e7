using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cortex.Mcp.Fast.Testing.Rest;

namespace Cortex.Mcp.Fast.Testing.Mcp;

/// <summary>
/// <c>tools/call</c>: counts the call per tool name, applies the tool faults (gate, latency, planned and random
/// failures) as the REST endpoint does, then runs <c>echo</c>, <c>add</c>, <c>sleep</c>, <c>fail</c>,
/// <c>progress</c> or <c>flaky</c>.
/// </summary>
/// <remarks>
/// Calls that can wait (<c>sleep</c>, <c>progress</c>, or any call while the gate is closed or a latency is set)
/// are registered for <c>notifications/cancelled</c> before they are counted, so a test that has seen the count
/// can cancel them. Such a call stops on cancellation, on service stop and: stateless, when the client goes away;
/// stateful, when its session ends (a client that leaves an SSE reply may resume it, so the call goes on).
/// </remarks>
internal sealed class McpTools(TestFaults faults, TestServiceCounters counters, TestMcpEndpoint control,
    CancellationToken stopping)
{
    private const int MaxSleepMilliseconds = 10 * 60 * 1000;
    private const int MaxSteps = 10_000;

    private readonly ConcurrentDictionary<string, int> _flakyAttempts = new(StringComparer.Ordinal);

    public ValueTask CallAsync(McpCall call)
    {
        var message = call.Message;
        var name = message.Tool switch
        {
            ToolKind.Echo => "echo",
            ToolKind.Add => "add",
            ToolKind.Sleep => "sleep",
            ToolKind.Fail => "fail",
            ToolKind.Flaky => "flaky",
            ToolKind.Progress => "progress",
            _ => message.ToolName ?? string.Empty,
        };
        if (message.Tool == ToolKind.Unknown || message.ArgumentsNotObject)
        {
            counters.OnToolRequest(name);
            var error = message.Tool == ToolKind.Unknown
                ? McpJson.Error(call.Id, McpErrorCodes.InvalidParams, "Unknown tool: " + name)
                : McpJson.Error(call.Id, McpErrorCodes.InvalidParams, "The arguments must be a JSON object");
            return call.ReplyAsync(error);
        }

        if (faults.Gate.IsOpen && faults.ToolLatency == TimeSpan.Zero
            && message.Tool is not (ToolKind.Sleep or ToolKind.Progress))
        {
            counters.OnToolRequest(name);
            return InjectFailure(call, name, out var injected) ? injected : RunImmediate(call);
        }

        return RunCancellableAsync(call, name);
    }

    private async ValueTask RunCancellableAsync(McpCall call, string name)
    {
        using var work = call.Session is null
            ? CancellationTokenSource.CreateLinkedTokenSource(call.Context.RequestAborted, stopping)
            : CancellationTokenSource.CreateLinkedTokenSource(stopping, call.Session.Ended);
        var key = TestMcpEndpoint.InFlightKey(call.Session?.Id, call.Id);
        control.InFlight[key] = work;
        counters.OnToolRequest(name);
        try
        {
            if (!faults.Gate.IsOpen || faults.ToolLatency > TimeSpan.Zero)
            {
                // Before the reply starts, a client that leaves cannot resume: its departure ends the wait.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(work.Token, call.Context.RequestAborted);
                await faults.Gate.PassAsync(wait.Token).ConfigureAwait(false);
                var latency = faults.ToolLatency;
                if (latency > TimeSpan.Zero)
                {
                    await Task.Delay(latency, wait.Token).ConfigureAwait(false);
                }
            }

            if (InjectFailure(call, name, out var injected))
            {
                await injected.ConfigureAwait(false);
                return;
            }

            switch (call.Message.Tool)
            {
                case ToolKind.Sleep:
                    await SleepAsync(call, work.Token).ConfigureAwait(false);
                    break;
                case ToolKind.Progress:
                    await ProgressAsync(call, work.Token).ConfigureAwait(false);
                    break;
                default:
                    await RunImmediate(call).ConfigureAwait(false);
                    break;
            }
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested || call.Context.RequestAborted.IsCancellationRequested)
        {
            // No response for a cancelled request: an SSE reply ends without one, a JSON reply is aborted.
            if (call.CanWriteHttpError || stopping.IsCancellationRequested)
            {
                call.Context.Abort();
            }
        }
        finally
        {
            control.InFlight.TryRemove(new KeyValuePair<string, CancellationTokenSource>(key, work));
        }
    }

    private bool InjectFailure(McpCall call, string name, out ValueTask reply)
    {
        if (faults.HasFailurePlans && faults.TryTakeFailure(name, out var status, out var retryAfter))
        {
            reply = call.ReplyHttpErrorAsync(status, $"Injected failure ({status})", retryAfter, faults.ErrorBodyForm);
            return true;
        }

        if (faults.ShouldFailRandomly())
        {
            var errorStatus = faults.ErrorStatus;
            reply = call.ReplyHttpErrorAsync(errorStatus, $"Injected random failure ({errorStatus})",
                faults.ErrorRetryAfter, faults.ErrorBodyForm);
            return true;
        }

        reply = default;
        return false;
    }

    private ValueTask RunImmediate(McpCall call)
    {
        var args = call.Message.ArgumentsSpan;
        counters.Executions.Record(args);
        return call.Message.Tool switch
        {
            ToolKind.Echo => call.ReplyAsync(McpToolResults.Echo(call.Id, args)),
            ToolKind.Add => Add(call, args),
            ToolKind.Fail => Fail(call, args),
            _ => Flaky(call, args),
        };
    }

    private static ValueTask Add(McpCall call, ReadOnlySpan<byte> args)
    {
        if (!McpArgs.TryFind(args, "a"u8, out var a) || a.TokenType != JsonTokenType.Number
            || !McpArgs.TryFind(args, "b"u8, out var b) || b.TokenType != JsonTokenType.Number)
        {
            return call.ReplyAsync(McpToolResults.Text(call.Id, "'a' and 'b' must be numbers", isError: true));
        }

        string sum;
        if (a.TryGetInt64(out var la) && b.TryGetInt64(out var lb)
            && !((lb > 0 && la > long.MaxValue - lb) || (lb < 0 && la < long.MinValue - lb)))
        {
            sum = (la + lb).ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            var result = a.GetDouble() + b.GetDouble();
            if (!double.IsFinite(result))
            {
                return call.ReplyAsync(McpToolResults.Text(call.Id, "The sum is not a finite number", isError: true));
            }

            sum = result.ToString("R", CultureInfo.InvariantCulture);
        }

        Span<byte> raw = stackalloc byte[64];
        var length = Encoding.ASCII.GetBytes(sum, raw);
        return call.ReplyAsync(McpToolResults.Text(call.Id, sum, isError: false, "result"u8, raw[..length]));
    }

    /// <summary><c>{"message"}</c> → an <c>isError</c> result; <c>{"status","retryAfter"}</c> → that HTTP error;
    /// <c>{"code"}</c> → a JSON-RPC error with that code.</summary>
    private static ValueTask Fail(McpCall call, ReadOnlySpan<byte> args)
    {
        var message = McpArgs.GetString(args, "message"u8) ?? "Requested failure";
        if (!McpArgs.TryGetInt(args, "status"u8, 0, 100, 999, out var status)
            || !McpArgs.TryGetInt(args, "code"u8, 0, int.MinValue, int.MaxValue, out var code))
        {
            return call.ReplyAsync(McpToolResults.Text(call.Id, "'status' must be an HTTP status and 'code' an integer",
                isError: true));
        }

        if (status != 0)
        {
            return call.ReplyHttpErrorAsync(status, message, McpArgs.GetString(args, "retryAfter"u8),
                ErrorBodyForm.JsonDetail);
        }

        return code != 0
            ? call.ReplyAsync(McpJson.Error(call.Id, code, message))
            : call.ReplyAsync(McpToolResults.Text(call.Id, message, isError: true));
    }

    /// <summary><c>{"failures":N,"status":503,"key":"k","retryAfter":"1"}</c>: the first N calls for a key fail
    /// with that HTTP status, later ones answer with <c>{"attempt":n}</c>.</summary>
    private ValueTask Flaky(McpCall call, ReadOnlySpan<byte> args)
    {
        if (!McpArgs.TryGetInt(args, "failures"u8, 1, 0, int.MaxValue, out var failures)
            || !McpArgs.TryGetInt(args, "status"u8, 503, 100, 999, out var status))
        {
            return call.ReplyAsync(McpToolResults.Text(call.Id,
                "'failures' must be a non-negative integer and 'status' an HTTP status", isError: true));
        }

        var key = McpArgs.GetString(args, "key"u8) ?? "default";
        var attempt = _flakyAttempts.AddOrUpdate(key, 1, static (_, n) => n + 1);
        if (attempt <= failures)
        {
            return call.ReplyHttpErrorAsync(status, $"Flaky failure {attempt} of {failures} for '{key}'",
                McpArgs.GetString(args, "retryAfter"u8), faults.ErrorBodyForm);
        }

        var text = attempt.ToString(CultureInfo.InvariantCulture);
        return call.ReplyAsync(McpToolResults.Text(call.Id, $"Attempt {text} for '{key}'", isError: false,
            "attempt"u8, Encoding.ASCII.GetBytes(text)));
    }

    private static async ValueTask SleepAsync(McpCall call, CancellationToken cancellationToken)
    {
        if (!McpArgs.TryGetInt(call.Message.ArgumentsSpan, "ms"u8, 0, 0, MaxSleepMilliseconds, out var ms))
        {
            await call.ReplyAsync(McpToolResults.Text(call.Id,
                $"'ms' must be an integer from 0 to {MaxSleepMilliseconds}", isError: true)).ConfigureAwait(false);
            return;
        }

        await call.StartAsync().ConfigureAwait(false);
        if (ms > 0)
        {
            await Task.Delay(ms, cancellationToken).ConfigureAwait(false);
        }

        var text = ms.ToString(CultureInfo.InvariantCulture);
        await call.ReplyAsync(McpToolResults.Text(call.Id, $"Slept {text} ms", isError: false, "slept"u8,
            Encoding.ASCII.GetBytes(text))).ConfigureAwait(false);
    }

    /// <summary><c>{"steps":n,"intervalMs":d}</c>: n <c>notifications/progress</c> for the request's progress token
    /// (when it has one and the reply is SSE), d ms apart, then the result.</summary>
    private static async ValueTask ProgressAsync(McpCall call, CancellationToken cancellationToken)
    {
        var args = call.Message.ArgumentsSpan;
        if (!McpArgs.TryGetInt(args, "steps"u8, 3, 0, MaxSteps, out var steps)
            || !McpArgs.TryGetInt(args, "intervalMs"u8, 0, 0, 60_000, out var interval))
        {
            await call.ReplyAsync(McpToolResults.Text(call.Id,
                $"'steps' must be an integer from 0 to {MaxSteps} and 'intervalMs' from 0 to 60000", isError: true))
                .ConfigureAwait(false);
            return;
        }

        await call.StartAsync().ConfigureAwait(false);
        var token = call.Message.ProgressToken;
        for (var i = 1; i <= steps; i++)
        {
            if (interval > 0)
            {
                await Task.Delay(interval, cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            if (token.IsPresent)
            {
                await call.NotifyAsync(McpToolResults.Progress(token.Of(call.Message.Body), i, steps)).ConfigureAwait(false);
            }
        }

        var text = steps.ToString(CultureInfo.InvariantCulture);
        await call.ReplyAsync(McpToolResults.Text(call.Id, $"Completed {text} steps", isError: false, "steps"u8,
            Encoding.ASCII.GetBytes(text))).ConfigureAwait(false);
    }
}
