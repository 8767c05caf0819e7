using System.Text.Json;

namespace Cortex.Mcp.Fast.Operations;

/// <summary>
/// The notification handlers of one service, kept by the facade (so they survive endpoint and session changes) and
/// read by every transport of the service when a notification arrives on any of its streams.
/// </summary>
/// <remarks>
/// <para>Concurrency: registrations are copy-on-write under a lock (rare); <see cref="Publish"/> reads one volatile
/// array and takes no lock, so the stream readers never wait for a registration.</para>
/// <para>Handlers run on the thread that read the notification, before the stream reads on: they must be quick and
/// must not block (hand work off to a channel or a task). A handler that throws is ignored: one bad handler must not
/// break the stream every other request of the service shares.</para>
/// </remarks>
internal sealed class McpNotificationHandlers(string service)
{
    private static readonly JsonDocumentOptions s_options = new() { MaxDepth = 64 };
    private readonly Lock _gate = new();
    private Registration[] _registrations = [];

    /// <summary>
    /// Raised after each registration: a transport then opens the session's standalone stream, where servers send
    /// notifications that belong to no request.
    /// </summary>
    public event Action? Registered;

    /// <summary>True when no handler is registered (the router then does no work at all).</summary>
    public bool IsEmpty => Volatile.Read(ref _registrations).Length == 0;

    /// <summary>Adds a handler for <paramref name="method"/> (null: every notification); dispose the result to remove it.</summary>
    public IDisposable Add(string? method, Action<McpNotification> handler)
    {
        var registration = new Registration(this, method, handler);
        lock (_gate)
        {
            _registrations = [.. _registrations, registration];
        }

        Registered?.Invoke();
        return registration;
    }

    /// <summary>True when a handler wants <paramref name="method"/>.</summary>
    public bool Wants(string method)
    {
        foreach (var registration in Volatile.Read(ref _registrations))
        {
            if (registration.Method is null || registration.Method == method)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Delivers one notification to every handler that wants it. The params are copied once (only when someone
    /// wants them) into a detached element that handlers may keep.
    /// </summary>
    public void Publish(string method, ReadOnlySpan<byte> @params)
    {
        var registrations = Volatile.Read(ref _registrations);
        McpNotification? notification = null;
        foreach (var registration in registrations)
        {
            if (registration.Method is not null && registration.Method != method)
            {
                continue;
            }

            notification ??= new McpNotification(service, method, Detach(@params));
            try
            {
                registration.Handler(notification);
            }
#pragma warning disable CA1031 // a caller's handler may throw anything; see the remarks
            catch (Exception)
#pragma warning restore CA1031
            {
                // Ignored on purpose (see the remarks).
            }
        }
    }

    private static JsonElement Detach(ReadOnlySpan<byte> @params)
    {
        if (@params.IsEmpty)
        {
            return default;
        }

        try
        {
            var reader = new Utf8JsonReader(@params, new JsonReaderOptions { MaxDepth = s_options.MaxDepth });
            return JsonElement.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return default; // the router already read it as JSON; nothing useful to hand out otherwise
        }
    }

    private void Remove(Registration registration)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_registrations, registration);
            if (index >= 0)
            {
                _registrations = [.. _registrations.AsSpan(0, index), .. _registrations.AsSpan(index + 1)];
            }
        }
    }

    private sealed class Registration(McpNotificationHandlers owner, string? method, Action<McpNotification> handler) : IDisposable
    {
        private int _disposed;

        public string? Method { get; } = method;

        public Action<McpNotification> Handler { get; } = handler;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Remove(this);
            }
        }
    }
}
