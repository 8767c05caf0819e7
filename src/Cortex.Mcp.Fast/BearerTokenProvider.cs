namespace Cortex.Mcp.Fast;

/// <summary>
/// Supplies the bearer token of a service, caching it and coalescing concurrent refreshes into one.
/// </summary>
/// <remarks>
/// Use <see cref="FromStatic"/> or <see cref="FromDelegate"/>, or derive and implement
/// <see cref="AcquireTokenAsync"/>, and set the provider as <see cref="HttpOptions.BearerTokenProvider"/>.
/// The client fetches a token at first use and reuses it for every request. After a 401 it fetches a new one and
/// retries the call once: every call that saw the same refused token shares one fetch. Tokens never appear in logs,
/// exception messages or diagnostics. Thread-safe.
/// </remarks>
public abstract class BearerTokenProvider
{
    private readonly Lock _gate = new();
    private Task<string>? _current;

    /// <summary>Fetches a new token from its source. Called once at first use and once per refresh.</summary>
    /// <param name="cancellationToken">Cancels the fetch.</param>
    protected abstract ValueTask<string> AcquireTokenAsync(CancellationToken cancellationToken);

    /// <summary>Returns the cached token, fetching one first if none is cached.</summary>
    /// <param name="cancellationToken">Cancels the wait (not a shared fetch already under way).</param>
    internal ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _current);
        if (current is { IsCompletedSuccessfully: true })
        {
            return new ValueTask<string>(current.Result);
        }

        return new ValueTask<string>(GetOrStartFetch(stale: null).WaitAsync(cancellationToken));
    }

    /// <summary>
    /// Replaces <paramref name="staleToken"/> with a fresh token. Concurrent calls with the same stale token share
    /// one fetch; a call whose stale token was already replaced gets the newer token without another fetch.
    /// </summary>
    /// <param name="staleToken">The token the server refused.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    internal ValueTask<string> RefreshAsync(string staleToken, CancellationToken cancellationToken) =>
        new(GetOrStartFetch(staleToken).WaitAsync(cancellationToken));

    /// <summary>A provider that always returns <paramref name="token"/>.</summary>
    public static BearerTokenProvider FromStatic(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        return new DelegateProvider(_ => new ValueTask<string>(token));
    }

    /// <summary>A provider that calls <paramref name="acquire"/> for each new token.</summary>
    public static BearerTokenProvider FromDelegate(Func<CancellationToken, ValueTask<string>> acquire)
    {
        ArgumentNullException.ThrowIfNull(acquire);
        return new DelegateProvider(acquire);
    }

    private Task<string> GetOrStartFetch(string? stale)
    {
        lock (_gate)
        {
            var current = _current;
            var needsFetch = current is null
                || current.IsFaulted || current.IsCanceled
                || (stale is not null && current.IsCompletedSuccessfully && string.Equals(current.Result, stale, StringComparison.Ordinal));
            if (needsFetch)
            {
                // A shared fetch is not tied to any one caller's token: one caller giving up must not fail the others.
                current = FetchAsync();
                _current = current;
            }

            return current!;
        }
    }

    private async Task<string> FetchAsync()
    {
        var token = await AcquireTokenAsync(CancellationToken.None).ConfigureAwait(false);
        if (string.IsNullOrEmpty(token) || token.AsSpan().ContainsAny('\r', '\n'))
        {
            throw new InvalidOperationException("The bearer token provider returned an empty token or one containing a line break.");
        }

        return token;
    }

    private sealed class DelegateProvider(Func<CancellationToken, ValueTask<string>> acquire) : BearerTokenProvider
    {
        protected override ValueTask<string> AcquireTokenAsync(CancellationToken cancellationToken) => acquire(cancellationToken);
    }
}
