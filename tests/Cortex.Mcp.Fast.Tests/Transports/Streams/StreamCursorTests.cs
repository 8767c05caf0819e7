using System.Text;
using Cortex.Mcp.Fast.Transports.Streams;

namespace Cortex.Mcp.Fast.Tests.Transports.Streams;

/// <summary>The position of a stream across connections: last event id (UTF-8, reused buffer), retry, failure run.</summary>
public sealed class StreamCursorTests
{
    [Fact]
    public void New_HasNothingToResumeFrom()
    {
        using var cursor = new StreamCursor();

        Assert.False(cursor.CanResume);
        Assert.True(cursor.LastEventId.IsEmpty);
        Assert.Equal(string.Empty, cursor.LastEventIdHeader);
        Assert.Null(cursor.ServerRetry);
        Assert.Equal(0, cursor.ConsecutiveFailures);
        Assert.Equal(0, cursor.Reconnects);
    }

    [Fact]
    public void SetLastEventId_KeepsTheLatestAndGrows()
    {
        using var cursor = new StreamCursor();

        cursor.SetLastEventId("1"u8);
        cursor.SetLastEventId("stream-7-42"u8);
        Assert.Equal("stream-7-42", cursor.LastEventIdHeader);

        var longId = new string('i', 1000);
        cursor.SetLastEventId(Encoding.UTF8.GetBytes(longId));
        Assert.Equal(longId, cursor.LastEventIdHeader);

        cursor.SetLastEventId("2"u8);
        Assert.True(cursor.CanResume);
        Assert.Equal("2"u8.ToArray(), cursor.LastEventId.ToArray());
    }

    [Fact]
    public void SetLastEventId_NonAscii_IsSentAsUtf8()
    {
        using var cursor = new StreamCursor();

        cursor.SetLastEventId("\u2026\u00e9"u8);

        Assert.Equal("\u2026\u00e9", cursor.LastEventIdHeader);
    }

    [Fact]
    public void SetLastEventId_Empty_ResetsTheId()
    {
        using var cursor = new StreamCursor();
        cursor.SetLastEventId("5"u8);

        cursor.SetLastEventId([]);

        Assert.False(cursor.CanResume);
    }

    [Fact]
    public void Reset_ForgetsIdAndRetryButNotTheCounters()
    {
        using var cursor = new StreamCursor { ServerRetry = TimeSpan.FromSeconds(2), ConsecutiveFailures = 3, Reconnects = 4 };
        cursor.SetLastEventId("9"u8);

        cursor.Reset();

        Assert.False(cursor.CanResume);
        Assert.Null(cursor.ServerRetry);
        Assert.Equal(4, cursor.Reconnects);
    }

    [Fact]
    public void Dispose_Twice_IsSafeAndForgetsTheId()
    {
        var cursor = new StreamCursor();
        cursor.SetLastEventId("9"u8);

        cursor.Dispose();
        cursor.Dispose();

        Assert.False(cursor.CanResume);
    }
}
