namespace Cortex.Mcp.Fast.Transports;

/// <summary>A bearer token and its ready-made header value, so the hot path does not rebuild the string per request.</summary>
internal sealed class BearerHeader(string token)
{
    public string Token { get; } = token;

    public string Header { get; } = "Bearer " + token;
}

/// <summary>
/// Caches the <c>Authorization</c> header of a <see cref="BearerTokenProvider"/>'s current token.
/// </summary>
/// <remarks>Lock-free: a stale read only costs one header rebuild. The token never leaves this object except on the wire.</remarks>
internal sealed class AuthHeaderCache(BearerTokenProvider provider)
{
    private BearerHeader? _current;

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
        Volatile.Write(ref _current, fresh);
        return fresh;
    }
}
