using System.Text;
using Cortex.Mcp.Fast.TestSupport;

namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp.Support;

/// <summary>One captured HTTP response: status line, headers and body, as curl -i printed it.</summary>
internal sealed record CapturedResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? ContentType => Headers.TryGetValue("content-type", out var v) ? v.Split(';')[0].Trim() : null;

    /// <summary>SSE events of the body (test-only splitter), or one pseudo-event holding a JSON body.</summary>
    public IReadOnlyList<TestSseEvent> Events =>
        ContentType == "text/event-stream" ? TestSse.Parse(Body) : [new TestSseEvent(null, null, Body)];

    /// <summary>The data of every event that is not a priming event (empty data).</summary>
    public IReadOnlyList<byte[]> JsonPayloads => Events.Where(e => e.Data.Length > 0).Select(e => e.Data).ToList();
}

/// <summary>Loads the capture files copied next to the test assembly.</summary>
internal static class Captures
{
    public static CapturedResponse Load(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Transports", "StreamableHttp", "Captures", name);
        var raw = File.ReadAllBytes(path);
        var split = raw.AsSpan().IndexOf("\r\n\r\n"u8);
        Assert.True(split > 0, $"{name}: no header/body separator");
        var head = Encoding.ASCII.GetString(raw, 0, split).Split("\r\n");
        var status = int.Parse(head[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        return new CapturedResponse(status, headers, raw[(split + 4)..]);
    }
}
