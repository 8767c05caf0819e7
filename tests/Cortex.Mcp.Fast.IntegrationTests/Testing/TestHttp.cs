using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Cortex.Mcp.Fast.IntegrationTests.Testing;

/// <summary>Raw HTTP helpers for testing the test service itself (no client library involved).</summary>
internal static class TestHttp
{
    /// <summary>The safety net of every test: nothing here should take more than a few seconds.</summary>
    public static CancellationTokenSource Deadline(int seconds = 15) => new(TimeSpan.FromSeconds(seconds));

    public static HttpClient CreateClient(Uri baseAddress, Action<SocketsHttpHandler>? configure = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            ConnectTimeout = TimeSpan.FromSeconds(5),
        };
        configure?.Invoke(handler);
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    public static Task<HttpResponseMessage> CallAsync(this HttpClient client, string tool, string json, CancellationToken ct)
        => client.PostAsync("tool/" + tool, new StringContent(json, Encoding.UTF8, "application/json"), ct);

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static async Task<string> ReadDetailAsync(this HttpResponseMessage response, CancellationToken ct)
        => (await response.ReadJsonAsync(ct)).GetProperty("detail").GetString()!;

    public static Task<HttpResponseMessage> OpenStreamAsync(this HttpClient client, string path, CancellationToken ct,
        string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "resource/" + path)
        {
            // A hand-made request does not take the client's defaults.
            Version = client.DefaultRequestVersion,
            VersionPolicy = client.DefaultVersionPolicy,
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    /// <summary>A minimal SSE reader (LF line endings, as the test service writes them).</summary>
    public static async IAsyncEnumerable<(string? Id, string Data)> ReadEventsAsync(this HttpResponseMessage response,
        [EnumeratorCancellation] CancellationToken ct)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct), Encoding.UTF8);
        string? id = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.Length == 0)
            {
                yield return (id, data.ToString());
                id = null;
                data.Clear();
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line.AsSpan(6));
            }
        }
    }

    public static async Task<List<(string? Id, string Data)>> ReadAllEventsAsync(this HttpResponseMessage response, CancellationToken ct)
    {
        var events = new List<(string? Id, string Data)>();
        await foreach (var e in response.ReadEventsAsync(ct))
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>Asserts that a request fails as a transport failure would reach a raw client.</summary>
    public static async Task<Exception> AssertTransportFailureAsync(Func<Task<HttpResponseMessage>> send)
    {
        return await AssertTransportFailureAsync(async () =>
        {
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            Assert.Fail($"Expected a transport failure, got {(int)response.StatusCode}: {body}");
        });
    }

    /// <summary>Asserts that <paramref name="action"/> fails as a transport failure would reach a raw client.</summary>
    public static async Task<Exception> AssertTransportFailureAsync(Func<Task> action)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(action);
        Assert.False(ex is Xunit.Sdk.XunitException, ex.Message);
        Assert.True(ex is HttpRequestException or IOException,
            $"Expected HttpRequestException or IOException, got {ex.GetType().Name}: {ex.Message}");
        return ex;
    }

    public static void AssertStatus(HttpStatusCode expected, HttpResponseMessage response)
        => Assert.Equal(expected, response.StatusCode);
}
