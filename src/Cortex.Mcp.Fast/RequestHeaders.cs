using System.Buffers;
using System.Collections;

namespace Cortex.Mcp.Fast;

/// <summary>
/// Extra HTTP request headers (API keys, tenant ids, routing hints): the static ones of a service
/// (<see cref="HttpOptions.Headers"/>) or the ones of one call (<see cref="ToolCallOptions.Headers"/>,
/// <see cref="McpRequestOptions.Headers"/>). Both HTTP engines send them.
/// </summary>
/// <remarks>
/// <para>Every name and value is checked when it is added, with an <see cref="ArgumentException"/> that never
/// quotes the value (it may be a credential): a name must be an HTTP token; a value visible ASCII, spaces and tabs
/// only (no CR, LF, NUL or other controls, no non-ASCII), at most 8 KiB. Names are case-insensitive and unique.</para>
/// <para>The headers the library owns are refused: <c>Host</c>, <c>Content-Length</c>, <c>Transfer-Encoding</c>,
/// <c>Connection</c> and the other hop-by-hop fields, <c>Content-Type</c>, <c>Accept</c>, <c>Mcp-Session-Id</c>,
/// <c>MCP-Protocol-Version</c>, <c>Mcp-Method</c>, <c>Mcp-Name</c>, <c>Last-Event-ID</c> and
/// <c>Proxy-Authorization</c> (proxy credentials belong to <see cref="HttpOptions.Proxy"/>). <c>Authorization</c>
/// is accepted here but refused for a service that has a <see cref="HttpOptions.BearerTokenProvider"/>.</para>
/// <para>Not thread-safe while it is being changed; the client reads a copy (a service when it starts, a call when
/// it is made), so later changes never reach a request already accepted.</para>
/// </remarks>
public sealed class RequestHeaders : IEnumerable<KeyValuePair<string, string>>
{
    /// <summary>The longest value accepted (8 KiB, the smallest header section common servers accept).</summary>
    public const int MaxValueLength = 8192;

    private static readonly SearchValues<char> s_token =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private static readonly SearchValues<char> s_valueChars = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    private static readonly HashSet<string> s_reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer",
        "Proxy-Connection", "Expect", "Content-Type", "Accept", "Mcp-Session-Id", "MCP-Protocol-Version",
        "Mcp-Method", "Mcp-Name", "Last-Event-ID", "Proxy-Authorization",
    };

    private readonly List<KeyValuePair<string, string>> _items = [];

    /// <summary>The copy handed to requests; rebuilt after a change (so reusing one instance costs nothing per call).</summary>
    private KeyValuePair<string, string>[]? _snapshot;

    /// <summary>Gets the number of headers.</summary>
    public int Count => _items.Count;

    /// <summary>Gets or sets the value of <paramref name="name"/>; setting replaces an existing value.</summary>
    /// <param name="name">The header name (case-insensitive).</param>
    /// <exception cref="KeyNotFoundException">Getting a header that is not set.</exception>
    /// <exception cref="ArgumentException">Setting a reserved name, a name that is not an HTTP token, or a value with a
    /// character a header may not carry.</exception>
    public string this[string name]
    {
        get => TryGetValue(name, out var value) ? value : throw new KeyNotFoundException($"The header '{name}' is not set.");
        set
        {
            Validate(name, value);
            var index = IndexOf(name);
            if (index >= 0)
            {
                _items[index] = new(_items[index].Key, value);
            }
            else
            {
                _items.Add(new(name, value));
            }

            _snapshot = null;
        }
    }

    /// <summary>Adds a header.</summary>
    /// <param name="name">The header name, an HTTP token (for example <c>X-Api-Key</c>).</param>
    /// <param name="value">The value.</param>
    /// <exception cref="ArgumentException">The name is reserved, already added or not an HTTP token, or the value
    /// has a character a header may not carry or is longer than <see cref="MaxValueLength"/>.</exception>
    public void Add(string name, string value)
    {
        Validate(name, value);
        if (IndexOf(name) >= 0)
        {
            throw new ArgumentException($"The header '{name}' is already set; set it through the indexer to replace it.", nameof(name));
        }

        _items.Add(new(name, value));
        _snapshot = null;
    }

    /// <summary>Removes a header.</summary>
    /// <returns>True when it was there.</returns>
    public bool Remove(string name)
    {
        var index = IndexOf(name);
        if (index < 0)
        {
            return false;
        }

        _items.RemoveAt(index);
        _snapshot = null;
        return true;
    }

    /// <summary>Removes every header.</summary>
    public void Clear()
    {
        _items.Clear();
        _snapshot = null;
    }

    /// <summary>Gets a value indicating whether <paramref name="name"/> is set (case-insensitive).</summary>
    public bool Contains(string name) => IndexOf(name) >= 0;

    /// <summary>Gets the value of <paramref name="name"/>, when it is set.</summary>
    public bool TryGetValue(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out string value)
    {
        var index = IndexOf(name);
        value = index >= 0 ? _items[index].Value : null;
        return index >= 0;
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _items.GetEnumerator();

    /// <inheritdoc/>
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The names only: values may be credentials.</summary>
    public override string ToString() => string.Join(", ", _items.Select(static h => h.Key));

    /// <summary>Checks a header without adding it (the rules of <see cref="Add"/>).</summary>
    /// <exception cref="ArgumentException">The name or the value is refused.</exception>
    public static void Validate(string name, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(value);
        if (name.AsSpan().ContainsAnyExcept(s_token))
        {
            throw new ArgumentException($"The header name '{Printable(name)}' is not an HTTP token (letters, digits and !#$%&'*+-.^_`|~ only).", nameof(name));
        }

        if (s_reserved.Contains(name))
        {
            throw new ArgumentException($"The {name} header is set by the client itself and cannot be added.", nameof(name));
        }

        if (value.Length > MaxValueLength)
        {
            throw new ArgumentException($"The {name} header value is longer than {MaxValueLength} characters.", nameof(value));
        }

        if (value.AsSpan().ContainsAnyExcept(s_valueChars))
        {
            // Never quote the value: it may be a credential.
            throw new ArgumentException($"The {name} header value contains a character not allowed in an HTTP header (CR, LF, another control or non-ASCII).", nameof(value));
        }
    }

    /// <summary>True when the name suggests a credential (API keys, tokens, cookies…): its value is masked in messages.</summary>
    internal static bool LooksSecret(string name) =>
        name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
        || name.Equals("Cookie", StringComparison.OrdinalIgnoreCase)
        || name.Contains("key", StringComparison.OrdinalIgnoreCase)
        || name.Contains("token", StringComparison.OrdinalIgnoreCase)
        || name.Contains("secret", StringComparison.OrdinalIgnoreCase)
        || name.Contains("auth", StringComparison.OrdinalIgnoreCase)
        || name.Contains("pass", StringComparison.OrdinalIgnoreCase)
        || name.Contains("credential", StringComparison.OrdinalIgnoreCase)
        || name.Contains("signature", StringComparison.OrdinalIgnoreCase)
        || name.Contains("session", StringComparison.OrdinalIgnoreCase);

    /// <summary>An immutable copy for requests (null when empty); the same array until the next change.</summary>
    internal KeyValuePair<string, string>[]? Snapshot()
    {
        if (_items.Count == 0)
        {
            return null;
        }

        return _snapshot ??= [.. _items];
    }

    /// <summary>A deep copy (a service's snapshot).</summary>
    internal RequestHeaders Clone()
    {
        var copy = new RequestHeaders();
        copy._items.AddRange(_items);
        return copy;
    }

    private int IndexOf(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        for (var i = 0; i < _items.Count; i++)
        {
            if (string.Equals(_items[i].Key, name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>A name is not a secret, but it may carry a control character: show it without them.</summary>
    private static string Printable(string name) =>
        string.Create(Math.Min(name.Length, 64), name, static (span, source) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = source[i] is >= ' ' and < (char)0x7f ? source[i] : '?';
            }
        });
}
