using System.Text.RegularExpressions;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>
/// Keeps credentials out of every message, log and diagnostic the client produces from server-supplied text (error
/// bodies, JSON-RPC error messages, tool error text): the client's own bearer tokens (current and previous), the
/// values of its static headers that look like credentials, and anything that looks like an <c>Authorization</c>
/// value or a bearer/basic credential.
/// </summary>
/// <remarks>Runs only on failure paths; thread-safe.</remarks>
internal sealed partial class SecretRedactor
{
    /// <summary>What replaces a secret.</summary>
    public const string Mask = "[redacted]";

    /// <summary>A redactor that knows no token of its own and removes only credential-shaped text.</summary>
    public static readonly SecretRedactor PatternsOnly = new(null);

    private readonly AuthHeaderCache? _auth;
    private readonly string[] _staticSecrets;

    /// <param name="auth">The service's bearer tokens, or null.</param>
    /// <param name="headers">The service's static headers: the values of those whose names look like credentials
    /// (<c>X-Api-Key</c>, <c>Cookie</c>, <c>…Token</c>…) are masked too, should a server echo them.</param>
    public SecretRedactor(AuthHeaderCache? auth, RequestHeaders? headers = null)
    {
        _auth = auth;
        _staticSecrets = headers is null ? [] : [.. headers.Where(static h => RequestHeaders.LooksSecret(h.Key) && h.Value.Length >= 4).Select(static h => h.Value)];
    }

    /// <summary>Returns <paramref name="text"/> with every known token and credential-shaped value masked.</summary>
    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        if (_auth is not null)
        {
            var (current, previous) = _auth.KnownTokens;
            text = MaskToken(text, current);
            text = MaskToken(text, previous);
        }

        foreach (var secret in _staticSecrets)
        {
            text = MaskToken(text, secret);
        }

        text = CredentialScheme().Replace(text, "$1 " + Mask);
        return AuthorizationValue().Replace(text, "$1" + Mask);
    }

    private static string MaskToken(string text, string? token) =>
        token is { Length: >= 4 } && text.Contains(token, StringComparison.Ordinal) ? text.Replace(token, Mask, StringComparison.Ordinal) : text;

    /// <summary>"Bearer abc.def", "Basic dXNlcg==" (RFC 6750 b64token / RFC 7617 token68 characters).</summary>
    [GeneratedRegex(@"\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialScheme();

    /// <summary>"Authorization: xyz", "authorization=xyz", "\"authorization\":\"xyz\"" (the value up to a quote, comma, brace or space).</summary>
    [GeneratedRegex(@"(authorization""?\s*[:=]\s*""?)(?!\[redacted\])[^""\s,}]+", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AuthorizationValue();
}
