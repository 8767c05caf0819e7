using System.Buffers;
using System.Globalization;
using System.Text;

namespace Cortex.Mcp.Fast.Transports.Http.Direct;

/// <summary>
/// Writes one HTTP/1.1 request straight into a <see cref="IBufferWriter{T}"/> (a connection's <c>PipeWriter</c>):
/// the pre-encoded request line and fixed headers, the per-request headers, Content-Length, the blank line and
/// the body. Nothing is allocated.
/// </summary>
/// <remarks>
/// Every variable value is checked before the first byte is written, so a refused request leaves the writer
/// untouched (and the request provably not sent). Values must be visible ASCII, spaces or tabs: CR, LF, NUL and
/// every other control or non-ASCII character are refused (header injection).
/// </remarks>
internal static class Http1RequestWriter
{
    /// <summary>What a header value may contain: VCHAR (visible ASCII), SP and HTAB.</summary>
    private static readonly SearchValues<char> s_valueChars = SearchValues.Create(
        "\t !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~");

    /// <summary>What a header name may contain (RFC 9110 §5.6.2 token).</summary>
    private static readonly SearchValues<char> s_token =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>The controls no header value may contain (everything below SP except HTAB, and DEL).</summary>
    private static readonly SearchValues<char> s_controls = SearchValues.Create(
        "\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\n\u000b\u000c\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u007f");

    /// <summary>Writes a request whose body is one span (possibly empty).</summary>
    /// <exception cref="ArgumentException">A variable header value contains a character it may not.</exception>
    public static void Write(IBufferWriter<byte> writer, PreEncodedRequest request, in HttpRequestFields headers, ReadOnlySpan<byte> body)
    {
        WriteHead(writer, request, headers, body.Length);
        if (!body.IsEmpty)
        {
            writer.Write(body);
        }
    }

    /// <summary>Writes a request whose body is a sequence (such as a pooled buffer of several segments).</summary>
    /// <exception cref="ArgumentException">A variable header value contains a character it may not.</exception>
    public static void Write(IBufferWriter<byte> writer, PreEncodedRequest request, in HttpRequestFields headers, in ReadOnlySequence<byte> body)
    {
        WriteHead(writer, request, headers, body.Length);
        foreach (ReadOnlyMemory<byte> segment in body)
        {
            writer.Write(segment.Span);
        }
    }

    /// <summary>Refuses a header value that could break out of its line or is not ASCII.</summary>
    /// <exception cref="ArgumentException">The value contains CR, LF, NUL, another control or a non-ASCII character.</exception>
    internal static void ValidateValue(string value, string headerName)
    {
        if (value.AsSpan().ContainsAnyExcept(s_valueChars))
        {
            // Never quote the value: it may be a credential.
            throw new ArgumentException($"The {headerName} header value contains a character not allowed in an HTTP header.", nameof(value));
        }
    }

    private static void WriteHead(IBufferWriter<byte> writer, PreEncodedRequest request, in HttpRequestFields headers, long bodyLength)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(request);
        ValidateIfSet(headers.Authorization, "Authorization");
        ValidateIfSet(headers.SessionId, "Mcp-Session-Id");
        ValidateIfSet(headers.ProtocolVersion, "MCP-Protocol-Version");
        ValidateIfSet(headers.McpMethod, "Mcp-Method");
        ValidateIfSet(headers.McpName, "Mcp-Name");
        if (headers.LastEventId is { } lastEventId && lastEventId.AsSpan().ContainsAny(s_controls))
        {
            // Spec (RFC 9110 §5.5): obs-text may appear in a value, so any UTF-8 id goes out as is; controls may not.
            throw new ArgumentException("The Last-Event-ID header value contains a control character.", nameof(headers));
        }
        if (headers.CallHeaders is { } callHeaders)
        {
            // Checked when they were added (RequestHeaders); checked again because this is the last stop before the wire.
            foreach (var (name, value) in callHeaders)
            {
                if (name.Length == 0 || name.AsSpan().ContainsAnyExcept(s_token))
                {
                    throw new ArgumentException("A call's header name is not an HTTP token.", nameof(headers));
                }

                ValidateValue(value, name);
            }
        }

        if (bodyLength > 0 && !request.SendsContentLength)
        {
            throw new ArgumentException($"A {request.Method} request is sent without a body here.", nameof(bodyLength));
        }

        writer.Write(request.Head);
        WriteHeader(writer, "Authorization: "u8, headers.Authorization);
        WriteHeader(writer, "Mcp-Session-Id: "u8, headers.SessionId);
        WriteHeader(writer, "MCP-Protocol-Version: "u8, headers.ProtocolVersion);
        WriteHeader(writer, "Mcp-Method: "u8, headers.McpMethod);
        WriteHeader(writer, "Mcp-Name: "u8, headers.McpName);
        WriteUtf8Header(writer, "Last-Event-ID: "u8, headers.LastEventId);
        if (headers.CallHeaders is { } extra)
        {
            foreach (var (name, value) in extra)
            {
                WriteNamedHeader(writer, name, value);
            }
        }
        if (request.SendsContentLength)
        {
            ReadOnlySpan<byte> name = "Content-Length: "u8;
            Span<byte> span = writer.GetSpan(name.Length + 20 + 4);
            name.CopyTo(span);
            bodyLength.TryFormat(span[name.Length..], out int digits, default, CultureInfo.InvariantCulture);
            int length = name.Length + digits;
            "\r\n\r\n"u8.CopyTo(span[length..]);
            writer.Advance(length + 4);
        }
        else
        {
            writer.Write("\r\n"u8);
        }
    }

    private static void ValidateIfSet(string? value, string headerName)
    {
        if (value is not null)
        {
            ValidateValue(value, headerName);
        }
    }

    private static void WriteUtf8Header(IBufferWriter<byte> writer, ReadOnlySpan<byte> nameColonSpace, string? value)
    {
        if (value is null)
        {
            return;
        }

        int length = nameColonSpace.Length + Encoding.UTF8.GetByteCount(value) + 2;
        Span<byte> span = writer.GetSpan(length);
        nameColonSpace.CopyTo(span);
        int written = Encoding.UTF8.GetBytes(value, span[nameColonSpace.Length..]);
        span[nameColonSpace.Length + written] = Http1Syntax.CR;
        span[nameColonSpace.Length + written + 1] = Http1Syntax.LF;
        writer.Advance(length);
    }

    /// <summary>Writes <c>name: value</c> CRLF, both checked ASCII.</summary>
    private static void WriteNamedHeader(IBufferWriter<byte> writer, string name, string value)
    {
        int length = name.Length + 2 + value.Length + 2;
        Span<byte> span = writer.GetSpan(length);
        int at = Encoding.ASCII.GetBytes(name, span);
        span[at++] = (byte)':';
        span[at++] = (byte)' ';
        at += Encoding.ASCII.GetBytes(value, span[at..]);
        span[at++] = Http1Syntax.CR;
        span[at] = Http1Syntax.LF;
        writer.Advance(length);
    }

    private static void WriteHeader(IBufferWriter<byte> writer, ReadOnlySpan<byte> nameColonSpace, string? value)
    {
        if (value is null)
        {
            return;
        }

        int length = nameColonSpace.Length + value.Length + 2;
        Span<byte> span = writer.GetSpan(length);
        nameColonSpace.CopyTo(span);
        int written = Encoding.ASCII.GetBytes(value, span[nameColonSpace.Length..]);
        span[nameColonSpace.Length + written] = Http1Syntax.CR;
        span[nameColonSpace.Length + written + 1] = Http1Syntax.LF;
        writer.Advance(length);
    }
}
