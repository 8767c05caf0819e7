using System.Text;

namespace Cortex.Mcp.Fast.TestSupport;

/// <summary>One SSE event as the test splitter saw it.</summary>
internal sealed record TestSseEvent(string? Id, string? EventType, byte[] Data);

/// <summary>
/// A deliberately small SSE splitter for tests, independent of the library's parser so it can judge it: LF or
/// CRLF lines, blank line ends an event, <c>data</c> lines joined with LF, comments and unknown fields ignored.
/// </summary>
internal static class TestSse
{
    public static List<TestSseEvent> Parse(byte[] body)
    {
        var events = new List<TestSseEvent>();
        string? id = null, type = null;
        var data = new StringBuilder();
        var hasData = false;
        foreach (var rawLine in Encoding.UTF8.GetString(body).Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                if (hasData || id is not null)
                {
                    events.Add(new TestSseEvent(id, type, Encoding.UTF8.GetBytes(data.ToString())));
                }

                (id, type, hasData) = (null, null, false);
                data.Clear();
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
                case "data":
                    if (hasData)
                    {
                        data.Append('\n');
                    }

                    data.Append(value);
                    hasData = true;
                    break;
                case "id":
                    id = value;
                    break;
                case "event":
                    type = value;
                    break;
            }
        }

        return events;
    }
}
