namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>Names the hard limit of <see cref="SseParserOptions"/> that a stream exceeded.</summary>
public enum SseLimit
{
    /// <summary>One line (a field or a comment, without its line ending) was longer than <see cref="SseParserOptions.MaxLineLength"/>.</summary>
    Line = 0,

    /// <summary>The data of one event (its data lines joined with LF) was larger than <see cref="SseParserOptions.MaxEventSize"/>.</summary>
    Event = 1,

    /// <summary>An <c>id</c> field value was longer than <see cref="SseParserOptions.MaxIdLength"/>.</summary>
    Id = 2,
}
