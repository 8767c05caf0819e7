using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cortex.Mcp.Fast;

/// <summary>
/// The JSON result of a successful tool call, held in pooled memory. Dispose it to return the memory; after
/// disposal every member throws <see cref="ObjectDisposedException"/>.
/// </summary>
/// <remarks>
/// The bytes are the server's own: nothing is copied into strings. <see cref="Json"/> parses on first use;
/// <see cref="Deserialize{T}"/> reads the bytes directly with source-generated metadata (AOT-safe).
/// Not thread-safe for concurrent disposal.
/// </remarks>
public sealed partial class ToolResult : IDisposable
{
    private byte[]? _buffer;
    private readonly int _offset;
    private readonly int _length;
    private readonly bool _pooled;
    private JsonDocument? _document;

    internal ToolResult(byte[] buffer, int length, bool pooled)
        : this(buffer, 0, length, pooled)
    {
    }

    /// <summary>A result that is a slice of a (pooled) reply buffer: the reply body is adopted, not copied.</summary>
    internal ToolResult(byte[] buffer, int offset, int length, bool pooled)
    {
        _buffer = buffer;
        _offset = offset;
        _length = length;
        _pooled = pooled;
    }

    /// <summary>Creates a result over caller-owned UTF-8 JSON (no pooling); for tests and adapters.</summary>
    /// <param name="utf8Json">The result's JSON bytes; copied.</param>
    public static ToolResult FromUtf8(ReadOnlySpan<byte> utf8Json)
    {
        var copy = utf8Json.ToArray();
        return new ToolResult(copy, copy.Length, pooled: false);
    }

    /// <summary>The result as UTF-8 JSON bytes, valid until the result is disposed.</summary>
    public ReadOnlyMemory<byte> Utf8Json
    {
        get
        {
            ObjectDisposedException.ThrowIf(_buffer is null, this);
            return new ReadOnlyMemory<byte>(_buffer, _offset, _length);
        }
    }

    /// <summary>The result as a <see cref="JsonElement"/>, valid until the result is disposed.</summary>
    /// <exception cref="JsonException">The bytes are not valid JSON (the transports check this before returning).</exception>
    public JsonElement Json
    {
        get
        {
            ObjectDisposedException.ThrowIf(_buffer is null, this);
            _document ??= JsonDocument.Parse(new ReadOnlyMemory<byte>(_buffer, _offset, _length));
            return _document.RootElement;
        }
    }

    /// <summary>Reads the result as <typeparamref name="T"/> using source-generated metadata.</summary>
    /// <param name="typeInfo">The type's JSON metadata, from a <c>JsonSerializerContext</c>.</param>
    public T? Deserialize<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        return JsonSerializer.Deserialize(new ReadOnlySpan<byte>(_buffer, _offset, _length), typeInfo);
    }

    /// <summary>The result as JSON text (allocates a string).</summary>
    public override string ToString() =>
        _buffer is null ? "<disposed>" : System.Text.Encoding.UTF8.GetString(_buffer, _offset, _length);

    /// <summary>Returns the pooled memory. Idempotent.</summary>
    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, null);
        if (buffer is null)
        {
            return;
        }

        _document?.Dispose();
        _document = null;
        if (_pooled)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
