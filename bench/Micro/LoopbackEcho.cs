namespace Cortex.Mcp.Fast.Bench.Micro;

/// <summary>The baseline exchange of the loopback micro-benchmarks: a raw <see cref="HttpClient"/> POST of the echo arguments.</summary>
internal static class LoopbackEcho
{
    /// <summary>A client configured like the library's default engine (no cookies, proxy or redirects).</summary>
    public static HttpClient CreateRawClient() =>
        new(new SocketsHttpHandler { UseCookies = false, UseProxy = false, AllowAutoRedirect = false });

    /// <summary>POSTs <paramref name="arguments"/> to <paramref name="uri"/> <paramref name="calls"/> times; returns the reply bytes read.</summary>
    public static async Task<int> RawHttpClientPostsAsync(HttpClient client, Uri uri, byte[] arguments, int calls)
    {
        var bytes = 0;
        for (var i = 0; i < calls; i++)
        {
            using var content = new ByteArrayContent(arguments);
            content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            using var response = await client.PostAsync(uri, content).ConfigureAwait(false);
            bytes += (await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false)).Length;
        }

        return Check(bytes);
    }

    /// <summary>Fails the benchmark when no reply bytes were read (a broken setup must not look fast).</summary>
    public static int Check(int bytes) =>
        bytes > 0 ? bytes : throw new InvalidOperationException("No reply bytes were read.");
}
