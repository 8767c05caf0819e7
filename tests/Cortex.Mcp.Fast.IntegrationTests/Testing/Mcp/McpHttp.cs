using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing.Mcp;

/// <summary>One SSE event as the test service writes it (LF line ends).</summary>
internal sealed record SseEvent(string? Id, string? Event, string Data, int? Retry)
{
    public bool IsPriming => Data.Length == 0 && Id is not null;

    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Data);
            return document.RootElement.Clone();
        }
    }
}

/// <summary>Raw MCP Streamable HTTP helpers for testing the test service (no client library involved).</summary>
internal static class McpHttp
{
    public const string SessionHeader = "Mcp-Session-Id";

    public static HttpRequestMessage Post(string json, string? sessionId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "mcp")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        if (sessionId is not null)
        {
            request.Headers.Add(SessionHeader, sessionId);
        }

        return request;
    }

    public static Task<HttpResponseMessage> PostAsync(this HttpClient client, string json, CancellationToken ct,
        string? sessionId = null)
        => client.SendAsync(Post(json, sessionId), HttpCompletionOption.ResponseHeadersRead, ct);

    public static Task<HttpResponseMessage> OpenMcpStreamAsync(this HttpClient client, string sessionId, CancellationToken ct,
        string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "mcp");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add(SessionHeader, sessionId);
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    public static string Request(int id, string method, string paramsJson = "{}")
        => $"{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"{method}\",\"params\":{paramsJson}}}";

    public static string Call(int id, string tool, string args = "{}", string? progressToken = null)
        => Request(id, "tools/call", progressToken is null
            ? $"{{\"name\":\"{tool}\",\"arguments\":{args}}}"
            : $"{{\"name\":\"{tool}\",\"arguments\":{args},\"_meta\":{{\"progressToken\":{progressToken}}}}}");

    public static string Initialize(int id, string version = "2025-11-25")
        => Request(id, "initialize",
            $"{{\"protocolVersion\":\"{version}\",\"capabilities\":{{}},\"clientInfo\":{{\"name\":\"test\",\"version\":\"1\"}}}}");

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>A tiny SSE reader: <c>id</c>, <c>event</c>, <c>data</c> (joined by LF), <c>retry</c>; comments
    /// ignored; an event is dispatched at a blank line.</summary>
    public static async IAsyncEnumerable<SseEvent> ReadSseAsync(this HttpResponseMessage response,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
        string? id = null, name = null;
        int? retry = null;
        StringBuilder? data = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null || id is not null)
                {
                    yield return new SseEvent(id, name, data?.ToString() ?? string.Empty, retry);
                }

                id = name = null;
                retry = null;
                data = null;
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "id":
                    id = value;
                    break;
                case "event":
                    name = value;
                    break;
                case "retry":
                    retry = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "data":
                    if (data is null)
                    {
                        data = new StringBuilder(value);
                    }
                    else
                    {
                        data.Append('\n').Append(value);
                    }

                    break;
            }
        }
    }

    public static async Task<List<SseEvent>> ReadAllSseAsync(this HttpResponseMessage response, CancellationToken ct)
    {
        var events = new List<SseEvent>();
        await foreach (var e in response.ReadSseAsync(ct))
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>The JSON-RPC message with this id among the events (the response).</summary>
    public static JsonElement ResponseFor(this IEnumerable<SseEvent> events, int id)
        => events.Where(e => !e.IsPriming)
            .Select(e => e.Json)
            .Single(m => m.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.Number && i.GetInt32() == id
                && !m.TryGetProperty("method", out _));
}
