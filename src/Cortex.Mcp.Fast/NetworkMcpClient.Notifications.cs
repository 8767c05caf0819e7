namespace Cortex.Mcp.Fast;

/// <summary>Notifications from MCP services, delivered to the caller's handlers.</summary>
public sealed partial class NetworkMcpClient
{
    /// <summary>
    /// Registers <paramref name="handler"/> for the notifications <paramref name="method"/> of
    /// <paramref name="service"/> (see <see cref="McpNotificationMethods"/>; null for every notification), arriving
    /// on any of its streams. May be called before the service is connected; handlers survive session and endpoint
    /// changes. Dispose the result to unregister.
    /// </summary>
    /// <remarks>
    /// <para>The handler runs on the thread that read the notification, before that stream reads on: keep it quick and
    /// never block (hand work off to a channel). A handler that throws is ignored, so it cannot break a stream that
    /// other requests share.</para>
    /// <para>Notifications on the standalone stream (list_changed, resources/updated, log messages outside a request)
    /// arrive while that stream is open: it is open while a resource subscription is, or while the client declares
    /// server→client capabilities. Notifications sent on a request's own reply stream (progress, log lines of that
    /// request) always arrive.</para>
    /// </remarks>
    /// <param name="service">The service name.</param>
    /// <param name="method">The notification method, or null for all.</param>
    /// <param name="handler">Receives each notification.</param>
    /// <returns>A registration; dispose it to stop receiving.</returns>
    /// <exception cref="ArgumentException"><paramref name="service"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    public IDisposable RegisterNotificationHandler(string service, string? method, Action<McpNotification> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentNullException.ThrowIfNull(handler);
        return NotificationHandlersOf(service).Add(method, handler);
    }

    /// <summary>
    /// Registers <paramref name="handler"/> for the log messages of <paramref name="service"/>
    /// (<c>notifications/message</c>; choose the level with <see cref="SetLoggingLevelAsync"/>). Same rules as
    /// <see cref="RegisterNotificationHandler"/>.
    /// </summary>
    /// <param name="service">The service name.</param>
    /// <param name="handler">Receives each log message.</param>
    /// <returns>A registration; dispose it to stop receiving.</returns>
    /// <exception cref="ArgumentException"><paramref name="service"/> is null or empty.</exception>
    /// <exception cref="ArgumentNullException"><paramref name="handler"/> is null.</exception>
    public IDisposable RegisterLogHandler(string service, Action<McpLogMessage> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return RegisterNotificationHandler(service, McpNotificationMethods.Message, notification =>
        {
            if (notification.TryGetLogMessage(out var message))
            {
                handler(message!);
            }
        });
    }
}
