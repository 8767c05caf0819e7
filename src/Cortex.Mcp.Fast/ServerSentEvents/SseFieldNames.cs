namespace Cortex.Mcp.Fast.ServerSentEvents;

/// <summary>The byte literals of the event-stream format, in one place.</summary>
internal static class SseFieldNames
{
    /// <summary>Line feed, the separator of joined data lines and one of the three line endings.</summary>
    internal const byte LF = (byte)'\n';

    /// <summary>Carriage return, a line ending alone or before LF.</summary>
    internal const byte CR = (byte)'\r';

    /// <summary>Separates a field name from its value; a line starting with it is a comment.</summary>
    internal const byte Colon = (byte)':';

    /// <summary>The one space stripped from the start of a field value.</summary>
    internal const byte Space = (byte)' ';

    /// <summary>The default event type as a string, returned without allocating.</summary>
    internal const string MessageString = "message";

    /// <summary>The default event type.</summary>
    internal static ReadOnlySpan<byte> Message => "message"u8;

    /// <summary>The <c>data</c> field name.</summary>
    internal static ReadOnlySpan<byte> Data => "data"u8;

    /// <summary>The <c>event</c> field name.</summary>
    internal static ReadOnlySpan<byte> Event => "event"u8;

    /// <summary>The <c>id</c> field name.</summary>
    internal static ReadOnlySpan<byte> Id => "id"u8;

    /// <summary>The <c>retry</c> field name.</summary>
    internal static ReadOnlySpan<byte> Retry => "retry"u8;

    /// <summary>The UTF-8 encoding of U+FEFF, the byte order mark.</summary>
    internal static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];
}
