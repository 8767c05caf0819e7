namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>What the client sends about its own features: <c>notifications/roots/list_changed</c>.</summary>
internal sealed partial class StreamableHttpTransport
{
    /// <inheritdoc/>
    public async ValueTask<bool> NotifyRootsChangedAsync(CancellationToken cancellationToken)
    {
        if (!_handlers.HasRoots)
        {
            // Spec (2025-11-25 roots): only a client that declared roots.listChanged sends it.
            throw Errors.TransportFailure.NotSupported("no RootsHandler is set, so the client did not declare roots.");
        }

        if (_sessions.Current is not { } session)
        {
            return false; // no session yet: the server asks for the roots once it has one
        }

        using var body = new PooledBufferWriter(128);
        var writer = session.Writers.Get();
        try
        {
            writer.WriteRootsListChangedNotification(body);
        }
        finally
        {
            session.Writers.Return(writer);
        }

        await _exchange.PostAsync(session, body.WrittenMemory, "notifications/roots/list_changed", cancellationToken).ConfigureAwait(false);
        return true;
    }
}
