using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>
/// One MCP content block (<c>text</c>, <c>image</c>, <c>audio</c>, or another type) as it travels in sampling
/// messages and results: the common fields typed, the whole block kept as JSON for anything else.
/// </summary>
/// <remarks>Immutable and detached from any pooled buffer: safe to keep.</remarks>
public sealed class McpContentBlock
{
    /// <summary>Gets the block's <c>type</c>: <c>text</c>, <c>image</c>, <c>audio</c>, or a type this client does not model.</summary>
    public required string Type { get; init; }

    /// <summary>Gets the text of a <c>text</c> block; null for other types.</summary>
    public string? Text { get; init; }

    /// <summary>Gets the base64 data of an <c>image</c> or <c>audio</c> block; null for other types.</summary>
    public string? Data { get; init; }

    /// <summary>Gets the MIME type of an <c>image</c> or <c>audio</c> block; null for other types.</summary>
    public string? MimeType { get; init; }

    /// <summary>
    /// Gets the whole block as the server sent it (annotations, <c>_meta</c>, and the fields of types not modelled
    /// here). <see langword="default"/> for a block built by the caller; it is then written from the typed fields.
    /// </summary>
    public JsonElement Json { get; init; }

    /// <summary>A <c>text</c> block.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The block.</returns>
    public static McpContentBlock FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new McpContentBlock { Type = "text", Text = text };
    }

    /// <summary>An <c>image</c> block.</summary>
    /// <param name="base64Data">The image bytes, base64-encoded.</param>
    /// <param name="mimeType">The image's MIME type, for example <c>image/png</c>.</param>
    /// <returns>The block.</returns>
    public static McpContentBlock FromImage(string base64Data, string mimeType)
    {
        ArgumentException.ThrowIfNullOrEmpty(base64Data);
        ArgumentException.ThrowIfNullOrEmpty(mimeType);
        return new McpContentBlock { Type = "image", Data = base64Data, MimeType = mimeType };
    }
}
