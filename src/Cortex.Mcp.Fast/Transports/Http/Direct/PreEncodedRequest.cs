using System.Buffers;
using System.Text;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// The fixed part of a request to one target, encoded once: the request line and the headers that never change
/// (Host, Content-Type, Accept, User-Agent...), ready to be copied into the connection's pipe.
/// <see cref="Http1RequestWriter"/> adds the per-request headers and the body.
/// </summary>
/// <remarks>
/// Immutable and thread-safe; build one per target (service endpoint and path) and share it. Every part is validated
/// here, so nothing a caller configured can inject a line into the request.
/// </remarks>
internal sealed class PreEncodedRequest
{
    /// <summary>Visible ASCII: what a method, path or host may contain (RFC 9112 §3, RFC 3986).</summary>
    private static readonly SearchValues<char> s_visible = SearchValues.Create(
        "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    private static readonly SearchValues<char> s_token =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    private readonly byte[] _head;

    /// <param name="method">The method, such as <c>POST</c>.</param>
    /// <param name="pathAndQuery">The origin-form target, starting with <c>/</c>.</param>
    /// <param name="host">The Host header value (<c>host[:port]</c>).</param>
    /// <param name="fixedHeaders">Headers sent with every request to this target, in order.</param>
    /// <exception cref="ArgumentException">A part contains a character it may not (the value is never quoted).</exception>
    public PreEncodedRequest(string method, string pathAndQuery, string host, IEnumerable<KeyValuePair<string, string>>? fixedHeaders = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentException.ThrowIfNullOrEmpty(pathAndQuery);
        ArgumentException.ThrowIfNullOrEmpty(host);
        if (method.AsSpan().ContainsAnyExcept(s_token))
        {
            throw new ArgumentException("The method is not an HTTP token.", nameof(method));
        }

        if (pathAndQuery[0] != '/' || pathAndQuery.AsSpan().ContainsAnyExcept(s_visible))
        {
            throw new ArgumentException("The request target must start with '/' and contain only visible ASCII.", nameof(pathAndQuery));
        }

        if (host.AsSpan().ContainsAnyExcept(s_visible))
        {
            throw new ArgumentException("The host contains a character not allowed in a header.", nameof(host));
        }

        var text = new StringBuilder();
        text.Append(method).Append(' ').Append(pathAndQuery).Append(" HTTP/1.1\r\nHost: ").Append(host).Append("\r\n");
        foreach ((string name, string value) in fixedHeaders ?? [])
        {
            ArgumentException.ThrowIfNullOrEmpty(name, nameof(fixedHeaders));
            ArgumentNullException.ThrowIfNull(value, nameof(fixedHeaders));
            if (name.AsSpan().ContainsAnyExcept(s_token))
            {
                throw new ArgumentException("A fixed header name is not an HTTP token.", nameof(fixedHeaders));
            }

            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"The {name} header is set by the engine, not as a fixed header.", nameof(fixedHeaders));
            }

            Http1RequestWriter.ValidateValue(value, name);
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        _head = Encoding.ASCII.GetBytes(text.ToString());
        Method = method;
        IsHead = method == "HEAD";

        // Spec (RFC 9110 §8.6): "A user agent SHOULD send Content-Length in a request when the method defines a
        // meaning for enclosed content [...] (e.g., POST)", and SHOULD NOT for GET/HEAD without content.
        SendsContentLength = method is not ("GET" or "HEAD" or "OPTIONS" or "TRACE");
    }

    /// <summary>Gets the method.</summary>
    public string Method { get; }

    /// <summary>Gets a value indicating whether the method is HEAD (the response then has no body).</summary>
    public bool IsHead { get; }

    /// <summary>Gets a value indicating whether every request carries Content-Length (even 0).</summary>
    public bool SendsContentLength { get; }

    /// <summary>Gets the request line and fixed headers, each ended by CRLF (the blank line is not included).</summary>
    public ReadOnlySpan<byte> Head => _head;
}
