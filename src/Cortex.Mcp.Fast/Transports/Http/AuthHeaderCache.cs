namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>A bearer token and its ready-made header value, so the hot path does not rebuild the string per request.</summary>
internal sealed class BearerHeader(string token)
{
    public string Token { get; } = token;

    public string Header { get; } = "Bearer " + token;
}

/// <summary>
/// Caches the <c>Authorization</c> header of a <see cref="BearerTokenProvider"/>'s current token.
/// </summary>
/// <remarks>Lock-free: a stale read only costs one header rebuild. The token never leaves this object except on the
/// wire, and through <see cref="KnownTokens"/> to the redactor that keeps it out of every message.</remarks>
internal sealed class AuthHeaderCache(BearerTokenProvider provider)
{
    private BearerHeader? _current;
    private BearerHeader? _previous;

    /// <summary>The current and the previous token (a server may echo a stale one), for redaction; nulls when none.</summary>
    public (string? Current, string? Previous) KnownTokens => (Volatile.Read(ref _current)?.Token, Volatile.Read(ref _previous)?.Token);

    public async ValueTask<BearerHeader> GetAsync(CancellationToken cancellationToken)
    {
        var token = await provider.GetTokenAsync(cancellationToken).ConfigureAwait(false);
        return Wrap(token);
    }

    public async ValueTask<BearerHeader> RefreshAsync(BearerHeader stale, CancellationToken cancellationToken)
    {
        var token = await provider.RefreshAsync(stale.Token, cancellationToken).ConfigureAwait(false);
        return Wrap(token);
    }

    private BearerHeader Wrap(string token)
    {
        var current = Volatile.Read(ref _current);
        if (current is not null && ReferenceEquals(current.Token, token))
        {
            return current;
        }

        var fresh = new BearerHeader(token);
        Volatile.Write(ref _previous, current);
        Volatile.Write(ref _current, fresh);
        return fresh;
    }
}
