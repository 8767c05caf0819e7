using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>One notification an MCP server sent (on any stream of the service), as delivered to a handler
/// registered with <see cref="NetworkMcpClient.RegisterNotificationHandler"/>.</summary>
public sealed class McpNotification
{
    internal McpNotification(string service, string method, JsonElement @params)
    {
        Service = service;
        Method = method;
        Params = @params;
    }

    /// <summary>Gets the service that sent it.</summary>
    public string Service { get; }

    /// <summary>Gets the method, for example <see cref="McpNotificationMethods.Message"/>.</summary>
    public string Method { get; }

    /// <summary>Gets the <c>params</c> object (detached, safe to keep); <see langword="default"/> when there were none.</summary>
    public JsonElement Params { get; }

    /// <summary>Reads a <c>notifications/message</c> (a server log line); false for any other notification or bad params.</summary>
    /// <param name="message">The log line, when this is one.</param>
    public bool TryGetLogMessage(out McpLogMessage? message)
    {
        message = null;
        if (Method != McpNotificationMethods.Message || Params.ValueKind != JsonValueKind.Object
            || !Params.TryGetProperty("level"u8, out var level) || level.ValueKind != JsonValueKind.String
            || !McpLoggingLevels.TryParse(level.GetString(), out var parsed))
        {
            return false;
        }

        Params.TryGetProperty("data"u8, out var data);
        var logger = Params.TryGetProperty("logger"u8, out var l) && l.ValueKind == JsonValueKind.String ? l.GetString() : null;
        message = new McpLogMessage(parsed, data) { Logger = logger };
        return true;
    }
}

/// <summary>One log line a server sent (<c>notifications/message</c>); see <see cref="NetworkMcpClient.SetLoggingLevelAsync"/>.</summary>
public sealed class McpLogMessage
{
    internal McpLogMessage(McpLoggingLevel level, JsonElement data)
    {
        Level = level;
        Data = data;
    }

    /// <summary>Gets the severity.</summary>
    public McpLoggingLevel Level { get; }

    /// <summary>Gets the logger's name, when given.</summary>
    public string? Logger { get; internal init; }

    /// <summary>Gets the logged data (any JSON value; often a string); detached.</summary>
    public JsonElement Data { get; }
}

/// <summary>The notification methods a client may want to handle.</summary>
public static class McpNotificationMethods
{
    /// <summary><c>notifications/message</c>: a log line (see <see cref="McpNotification.TryGetLogMessage"/>).</summary>
    public const string Message = "notifications/message";

    /// <summary><c>notifications/progress</c>: progress of a request (also reported to <see cref="ToolCallOptions.Progress"/>).</summary>
    public const string Progress = "notifications/progress";

    /// <summary><c>notifications/cancelled</c>: the server gave up on one of its requests.</summary>
    public const string Cancelled = "notifications/cancelled";

    /// <summary><c>notifications/tools/list_changed</c>.</summary>
    public const string ToolsListChanged = "notifications/tools/list_changed";

    /// <summary><c>notifications/prompts/list_changed</c>.</summary>
    public const string PromptsListChanged = "notifications/prompts/list_changed";

    /// <summary><c>notifications/resources/list_changed</c>.</summary>
    public const string ResourcesListChanged = "notifications/resources/list_changed";

    /// <summary><c>notifications/resources/updated</c>: a subscribed resource changed (also delivered to
    /// <see cref="NetworkMcpClient.SubscribeResourceAsync"/>).</summary>
    public const string ResourcesUpdated = "notifications/resources/updated";
}

/// <summary>The wire names of <see cref="McpLoggingLevel"/>.</summary>
internal static class McpLoggingLevels
{
    private static readonly string[] s_names = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

    public static string Name(McpLoggingLevel level) =>
        (uint)level < (uint)s_names.Length ? s_names[(int)level] : throw new ArgumentOutOfRangeException(nameof(level), level, "Not an MCP logging level.");

    public static bool TryParse(string? name, out McpLoggingLevel level)
    {
        var index = Array.IndexOf(s_names, name);
        level = (McpLoggingLevel)Math.Max(index, 0);
        return index >= 0;
    }
}
