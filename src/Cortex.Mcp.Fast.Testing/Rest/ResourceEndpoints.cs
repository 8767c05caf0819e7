using System.Globalization;
using System.IO.Pipelines;
using System.Text.Unicode;
using Cortex.Mcp.Fast.Testing.Internal;
using Microsoft.AspNetCore.Http;

namespace Cortex.Mcp.Fast.Testing.Rest;

/// <summary>
/// <c>GET /resource/{*path}</c> as a <c>text/event-stream</c>. Every event carries <c>id: i</c> and
/// <c>data: {"index":i,"resource":"..."}</c>, and is flushed on its own. Streams that are resumable honour
/// <c>Last-Event-ID</c> (they continue at the next index).
/// </summary>
/// <remarks>
/// Paths: <c>events/{n}</c>, <c>slow/{n}/{ms}</c>, <c>cut/{n}[/{total}]</c> (aborts the connection after the
/// events before index n; a resumed request past the cut continues up to <c>total</c> and ends cleanly),
/// <c>invalid/{n}</c> (every third data is not JSON), <c>endless[/{ms}]</c>. Anything else is 404.
/// A stream ends when the client goes away; when the service stops, the connection is aborted.
/// </remarks>
internal sealed class ResourceEndpoints(ConnectionRegistry connections, CancellationToken stopping)
{
    private const int MaxEvents = 100_000_000;

    private enum StreamKind
    {
        Events,
        Slow,
        Cut,
        Invalid,
        Endless,
    }

    public Task HandleAsync(HttpContext context, ReadOnlyMemory<char> path)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method))
        {
            Responses.WriteMethodNotAllowed(context.Response, "GET");
            return Task.CompletedTask;
        }

        if (!AcceptsEventStream(request))
        {
            Responses.WriteDetail(context.Response, StatusCodes.Status406NotAcceptable,
                "This resource is only available as text/event-stream");
            return Task.CompletedTask;
        }

        if (!TryParse(path.Span, out var kind, out var count, out var delayMs, out var total))
        {
            Responses.WriteDetail(context.Response, StatusCodes.Status404NotFound, "Unknown resource: " + path.ToString());
            return Task.CompletedTask;
        }

        var start = GetResumeIndex(request);
        return StreamAsync(context, kind, start, count, delayMs, total);
    }

    private async Task StreamAsync(HttpContext context, StreamKind kind, long start, long count, int delayMs, long total)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var ct = linked.Token;
        var writer = response.BodyWriter;
        var name = kind switch
        {
            StreamKind.Events => "events",
            StreamKind.Slow => "slow",
            StreamKind.Cut => "cut",
            StreamKind.Invalid => "invalid",
            _ => "endless",
        };
        try
        {
            // Send the headers at once, so a client sees the stream open even before the first event.
            await response.StartAsync(ct).ConfigureAwait(false);
            var end = kind switch
            {
                StreamKind.Endless => long.MaxValue,
                StreamKind.Cut => start < count ? count : total,
                _ => count,
            };
            for (var i = start; i < end; i++)
            {
                if (i > start && delayMs > 0)
                {
                    await Task.Delay(delayMs, ct).ConfigureAwait(false);
                }

                WriteEvent(writer, i, name, invalid: kind == StreamKind.Invalid && i % 3 == 2);
                var flush = await writer.FlushAsync(ct).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    return;
                }
            }

            if (kind == StreamKind.Cut && start < count)
            {
                await CutAsync(context, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            context.Abort(); // client gone, or the service is stopping
        }
    }

    /// <summary>
    /// Ends the connection mid-body, without the chunked terminator. An abort (RST) could make the client's kernel
    /// drop events it has received but not yet read, and a flush only hands bytes to the transport, so the
    /// transport's output is completed instead: it sends what is queued, then FIN. The request then waits for the
    /// client to notice and leave.
    /// </summary>
    private async Task CutAsync(HttpContext context, CancellationToken ct)
    {
        if (!connections.TryCompleteOutput(context.Connection.Id))
        {
            context.Abort();
            return;
        }

        await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
    }

    private static void WriteEvent(PipeWriter writer, long index, string name, bool invalid)
    {
        var span = writer.GetSpan(128);
        var ok = invalid
            ? Utf8.TryWrite(span, CultureInfo.InvariantCulture, $"id: {index}\ndata: not json {{{index}\n\n", out var written)
            : Utf8.TryWrite(span, CultureInfo.InvariantCulture,
                $"id: {index}\ndata: {{\"index\":{index},\"resource\":\"{name}\"}}\n\n", out written);
        if (!ok)
        {
            throw new InvalidOperationException("An SSE event did not fit its buffer."); // 128 bytes always suffice
        }

        writer.Advance(written);
    }

    private static bool AcceptsEventStream(HttpRequest request)
    {
        var accept = request.Headers.Accept;
        if (accept.Count == 0)
        {
            return true;
        }

        foreach (var value in accept)
        {
            if (value is not null
                && (value.Contains("text/event-stream", StringComparison.OrdinalIgnoreCase)
                    || value.Contains("*/*", StringComparison.Ordinal)
                    || value.Contains("text/*", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    private static long GetResumeIndex(HttpRequest request)
    {
        var lastEventId = request.Headers["Last-Event-ID"];
        return lastEventId.Count == 1
            && long.TryParse(lastEventId[0], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            && last < long.MaxValue
            ? last + 1
            : 0;
    }

    private static bool TryParse(ReadOnlySpan<char> path, out StreamKind kind, out long count, out int delayMs, out long total)
    {
        kind = default;
        count = 0;
        delayMs = 0;
        total = 0;
        var trimmed = path.TrimEnd('/');
        Span<Range> parts = stackalloc Range[4];
        var n = trimmed.Split(parts, '/');
        if (n is 0 or > 3)
        {
            return false;
        }

        var head = trimmed[parts[0]];
        switch (head)
        {
            case "events" when n == 2 && TryCount(trimmed[parts[1]], out count):
                kind = StreamKind.Events;
                return true;
            case "invalid" when n == 2 && TryCount(trimmed[parts[1]], out count):
                kind = StreamKind.Invalid;
                return true;
            case "slow" when n == 3 && TryCount(trimmed[parts[1]], out count) && TryDelay(trimmed[parts[2]], out delayMs):
                kind = StreamKind.Slow;
                return true;
            case "cut" when n >= 2 && TryCount(trimmed[parts[1]], out count):
                kind = StreamKind.Cut;
                total = count;
                if (n == 3 && (!TryCount(trimmed[parts[2]], out total) || total < count))
                {
                    return false;
                }

                return true;
            case "endless" when n == 1 || (n == 2 && TryDelay(trimmed[parts[1]], out delayMs)):
                kind = StreamKind.Endless;
                return true;
            default:
                return false;
        }
    }

    private static bool TryCount(ReadOnlySpan<char> text, out long value)
        => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= MaxEvents;

    private static bool TryDelay(ReadOnlySpan<char> text, out int value)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= 60_000;
}
